#pragma once
// Binds an SSL to a socket through a BIO that sends with MSG_NOSIGNAL:
// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when
// the peer has gone; a library (sync/) must not depend on its host ignoring
// that signal, and a broken connection should be an error value, as it is
// without TLS. Used by the proxy's streams and the sync link.
//
// Threading: any; the BIO method is built once per process.

#include <openssl/ssl.h>

namespace tandem::base {

// SSL_set_fd(ssl, fd), but with the MSG_NOSIGNAL BIO; falls back to
// SSL_set_fd if the BIO cannot be allocated. The SSL does not own `fd`.
void attach_socket(SSL* ssl, int fd);

}  // namespace tandem::base
