#pragma once
// A TLS client and a server-side proxy::Stream on the two ends of a
// socketpair, driven alternately by the test thread (no event loop, no
// sleeps, every loop bounded).
//
//   TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").alpn({"http/1.1"}));
//   BOOST_REQUIRE(h.handshake());
//   h.server.write(...);  h.client_read(n);
//
// Threading: test thread only.

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "base/c_ptr.h"
#include "base/unique_fd.h"
#include "daemon/proxy/stream.h"

namespace tandem::testing {

using SslCtxPtr = base::CPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = base::CPtr<SSL, SSL_free>;
using SessionPtr = base::CPtr<SSL_SESSION, SSL_SESSION_free>;

// A connected AF_UNIX stream pair, both ends non-blocking.
struct SocketPair {
  base::UniqueFd a, b;
};
SocketPair make_socketpair();

// A client context that verifies nothing (the test certificates are self-signed).
SslCtxPtr client_context();

// How the client connects, set by chained calls:
//   ClientOptions().sni("a.test").alpn({"h2"}).max_version(TLS1_2_VERSION)
struct ClientOptions {
  std::string sni_name;                      // empty = no SNI
  std::vector<std::string> alpn_protocols;   // empty = no ALPN
  int max_proto = 0;                         // e.g. TLS1_2_VERSION; 0 = OpenSSL's newest
  SSL_SESSION* resume = nullptr;             // to resume (not owned)
  std::string cipher_list;                   // TLS 1.2 cipher list; empty = default

  ClientOptions& sni(std::string v) { sni_name = std::move(v); return *this; }
  ClientOptions& alpn(std::vector<std::string> v) { alpn_protocols = std::move(v); return *this; }
  ClientOptions& max_version(int v) { max_proto = v; return *this; }
  ClientOptions& session(SSL_SESSION* v) { resume = v; return *this; }
  ClientOptions& ciphers(std::string v) { cipher_list = std::move(v); return *this; }
};

struct TlsHarness {
  // `server_ssl` (owned) goes over one end in a proxy::Stream; a client
  // made from `client_ctx` (default: client_context()) over the other.
  TlsHarness(SSL* server_ssl, const ClientOptions& options, SSL_CTX* client_ctx = nullptr);

  // Alternates the client's handshake and the server's reads until both
  // have finished (true) or either fails or the bound is reached (false).
  // After a failure: server_result/server_errno say what the server's read returned.
  bool handshake();

  // The client reads until it has `n` bytes of plaintext or nothing more is
  // there (the socketpair delivers at once) or the stream ended; returns
  // what it read. client_error says why it stopped short.
  std::string client_read(size_t n);
  // The client writes all of `data` (one SSL_write: one record when small).
  void client_write(const std::string& data);
  // The server reads whatever is there, up to `max`; -1 with errno as Stream::read.
  ssize_t server_read(std::string* out, size_t max = 65536);
  // The client's session, after reading `expect` (the server writes it first):
  // with TLS 1.3 the tickets arrive after the handshake and are taken in by a read.
  SessionPtr client_session_after_reading(const std::string& expect);
  // A clean close: the client's close_notify, then the server's
  // (Stream::shutdown_write). OpenSSL forgets (SSL_free) the session of a
  // connection that it did not see closed cleanly, on either side.
  void close_cleanly();
  // The client sends close_notify and the server reads the end of the stream.
  void client_closes();
  // The bytes waiting in the client's socket, not consumed (MSG_PEEK).
  std::string peek_client_socket() const;

  std::string alpn_selected() const;  // by the client's view
  bool resumed() const { return SSL_session_reused(server.ssl()) == 1; }

  SslCtxPtr own_ctx;  // when no client_ctx was given
  proxy::Stream server;
  base::UniqueFd client_fd;
  SslPtr client;
  ssize_t server_result = 0;
  int server_errno = 0;
  int client_error = SSL_ERROR_NONE;  // SSL_get_error of the client's last failed call
};

// TLS record headers in `raw`: the content types of the whole records it holds.
std::vector<int> record_types(const std::string& raw);

}  // namespace tandem::testing
