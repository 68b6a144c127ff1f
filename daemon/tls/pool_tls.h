#pragma once
// TLS to the servers of a pool (`server … tls [verify=none|required]
// [sni=NAME]`, docs/http.md "TLS to servers"): one client context per pool,
// offering ALPN http/1.1, TLS 1.2 and 1.3. verify=required checks the
// server's chain against the pool's `tls_ca_file` (default: the system's
// CAs) and, when the line has sni=NAME, that the certificate is for NAME.
// Each server's latest session is kept, so new connections to it resume
// (an abbreviated handshake) instead of starting over.
//
// Built anew on every (re)load, like FrontendTls.
//
// Threading: built on the main thread; new_ssl() from any worker (the
// session store is locked).

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>

#include "base/c_ptr.h"
#include "base/result.h"
#include "conf/config.h"

namespace tandem::tls {

class PoolTls {
 public:
  // Loads the CAs when a server verifies. An error names the pool's
  // section: "FILE:LINE: [pool:NAME] tls_ca_file: …".
  static base::Result<std::shared_ptr<const PoolTls>> build(const conf::PoolConf& pool);

  // A client-side TLS object for a new connection to the pool's server
  // named `server` (one with `tls`), in connect state, resuming the
  // server's last session if there is one; null for a server without `tls`
  // or when OpenSSL is out of memory.
  SSL* new_ssl(const std::string& server) const;

 private:
  struct ServerOptions {
    bool verify = false;
    std::string sni;
  };

  PoolTls() = default;
  base::CPtr<SSL_CTX, SSL_CTX_free> ctx_;
  std::map<std::string, ServerOptions> servers_;  // the servers with `tls`, by name
};

}  // namespace tandem::tls
