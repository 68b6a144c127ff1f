#pragma once
// The TLS a frontend terminates (docs/http.md, "TLS"): one OpenSSL context
// per `tls_cert`, built from the frontend's keys. A handshake starts on the
// first (default) certificate's context; the client's SNI name moves it to
// the certificate that covers the name (exact names first, then wildcards;
// the earlier tls_cert line wins a tie). ALPN selects http/1.1; a client
// offering only other protocols is refused (no_application_protocol).
// Resumption: a server-side session cache (`tls_session_cache`) and session
// tickets (`tls_tickets`) encrypted with the daemon's TicketKeys.
//
// Built anew on every (re)load, so new certificate files apply to new
// connections; a connection keeps the contexts it started with (OpenSSL
// counts references), so nothing established is disturbed.
//
// Threading: built on the main thread; immutable after; new_ssl() from any
// worker (SSL_CTX is thread-safe for this).

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/c_ptr.h"
#include "base/result.h"
#include "conf/config.h"
#include "daemon/tls/ticket_keys.h"

namespace tandem::tls {

class FrontendTls {
 public:
  // Reads the certificate and key files of `fe` (which has tls_cert lines).
  // An error names the file and line: "FILE:LINE: [frontend:NAME] tls_cert: …".
  static base::Result<std::shared_ptr<const FrontendTls>> build(const conf::FrontendConf& fe,
                                                                std::shared_ptr<TicketKeys> keys);

  // A server-side TLS object for an accepted connection, in accept state;
  // null when OpenSSL is out of memory.
  SSL* new_ssl() const;
  // The context whose certificate serves `host` (lower case), the default
  // when none does.
  SSL_CTX* context_for(std::string_view host) const;

  struct CertInfo {
    std::string file;
    std::vector<std::string> names;
    std::string not_after;  // "Jan  1 00:00:00 2027 GMT"
  };
  const std::vector<CertInfo>& certificates() const { return info_; }

 private:
  FrontendTls() = default;

  std::vector<base::CPtr<SSL_CTX, SSL_CTX_free>> contexts_;  // [0]: the default
  std::vector<CertInfo> info_;
  std::unordered_map<std::string, size_t> exact_;     // name -> index
  std::unordered_map<std::string, size_t> wildcard_;  // "example.com" for "*.example.com" -> index
  std::shared_ptr<TicketKeys> keys_;
};

}  // namespace tandem::tls
