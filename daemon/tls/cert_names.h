#pragma once
// Which host names a certificate serves, for choosing a frontend's
// certificate by the client's SNI name: the certificate's subjectAltName DNS
// names, or its subject's CN when it has no DNS name (RFC 6125 6.4.4), in
// lower case. A name "*.example.com" covers exactly one more label
// ("www.example.com", not "example.com" nor "a.b.example.com").
//
// Threading: pure functions; any thread.

#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

namespace tandem::tls {

std::vector<std::string> certificate_names(X509* cert);

// The name a wildcard pattern "*.SUFFIX" covers hosts under ("SUFFIX"), or
// "" when `name` is not a wildcard.
std::string_view wildcard_suffix(std::string_view name);

// The part of `host` a wildcard would cover it by: "www.example.com" ->
// "example.com"; "" for a single label.
std::string_view parent_of(std::string_view host);

}  // namespace tandem::tls
