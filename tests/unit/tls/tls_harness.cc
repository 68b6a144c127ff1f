#define BOOST_TEST_DYN_LINK
#include "tests/unit/tls/tls_harness.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>

namespace tandem::testing {
namespace {

constexpr int kRounds = 200;

std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    wire += static_cast<char>(p.size());
    wire += p;
  }
  return wire;
}

}  // namespace

SocketPair make_socketpair() {
  int fds[2];
  BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  return SocketPair{base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
}

SslCtxPtr client_context() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  BOOST_REQUIRE(ctx != nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  return ctx;
}

TlsHarness::TlsHarness(SSL* server_ssl, const ClientOptions& options, SSL_CTX* client_ctx) {
  BOOST_REQUIRE(server_ssl != nullptr);
  if (client_ctx == nullptr) {
    own_ctx = client_context();
    client_ctx = own_ctx.get();
  }
  SocketPair pair = make_socketpair();
  server = proxy::Stream(std::move(pair.a));
  server.use_tls(server_ssl);
  client_fd = std::move(pair.b);
  client.reset(SSL_new(client_ctx));
  BOOST_REQUIRE(client != nullptr);
  SSL* c = client.get();
  BOOST_REQUIRE(SSL_set_fd(c, client_fd.get()) == 1);
  SSL_set_connect_state(c);
  if (!options.sni_name.empty()) BOOST_REQUIRE(SSL_set_tlsext_host_name(c, options.sni_name.c_str()) == 1);
  if (!options.alpn_protocols.empty()) {
    std::string wire = alpn_wire(options.alpn_protocols);
    BOOST_REQUIRE(SSL_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(wire.data()),
                                      static_cast<unsigned>(wire.size())) == 0);
  }
  if (options.max_proto != 0) BOOST_REQUIRE(SSL_set_max_proto_version(c, options.max_proto) == 1);
  if (!options.cipher_list.empty()) BOOST_REQUIRE(SSL_set_cipher_list(c, options.cipher_list.c_str()) == 1);
  if (options.resume != nullptr) BOOST_REQUIRE(SSL_set_session(c, options.resume) == 1);
}

bool TlsHarness::handshake() {
  bool client_done = false;
  for (int i = 0; i < kRounds; ++i) {
    if (!client_done) {
      ERR_clear_error();
      int r = SSL_do_handshake(client.get());
      if (r == 1) {
        client_done = true;
      } else {
        client_error = SSL_get_error(client.get(), r);
        if (client_error != SSL_ERROR_WANT_READ && client_error != SSL_ERROR_WANT_WRITE) return false;
      }
    }
    if (!server.handshake_done()) {
      char buf[256];
      errno = 0;
      server_result = server.read(buf, sizeof buf);
      server_errno = server_result < 0 ? errno : 0;
      if (server_result == 0) return false;
      if (server_result < 0 && server_errno != EAGAIN) return false;
    }
    if (client_done && server.handshake_done()) return true;
  }
  return false;
}

std::string TlsHarness::client_read(size_t n) {
  std::string got;
  char buf[65536];
  // The socketpair delivers at once: when OpenSSL wants more, nothing more
  // is coming until the server acts.
  for (int i = 0; i < kRounds * 50 && got.size() < n; ++i) {
    size_t len = 0;
    ERR_clear_error();
    if (SSL_read_ex(client.get(), buf, sizeof buf, &len) == 1) {
      got.append(buf, len);
      continue;
    }
    client_error = SSL_get_error(client.get(), 0);
    break;
  }
  return got;
}

void TlsHarness::client_write(const std::string& data) {
  size_t written = 0;
  ERR_clear_error();
  BOOST_REQUIRE(SSL_write_ex(client.get(), data.data(), data.size(), &written) == 1);
  BOOST_REQUIRE(written == data.size());
}

ssize_t TlsHarness::server_read(std::string* out, size_t max) {
  std::string buf(max, '\0');
  ssize_t n = server.read(buf.data(), buf.size());
  if (n > 0) out->append(buf.data(), static_cast<size_t>(n));
  return n;
}

SessionPtr TlsHarness::client_session_after_reading(const std::string& expect) {
  iovec iov{const_cast<char*>(expect.data()), expect.size()};
  BOOST_REQUIRE(server.write(&iov, 1) == static_cast<ssize_t>(expect.size()));
  BOOST_REQUIRE(client_read(expect.size()) == expect);
  SessionPtr session(SSL_get1_session(client.get()));
  BOOST_REQUIRE(session != nullptr);
  return session;
}

void TlsHarness::client_closes() {
  ERR_clear_error();
  BOOST_REQUIRE(SSL_shutdown(client.get()) >= 0);
  std::string rest;
  BOOST_REQUIRE(server_read(&rest) == 0);
}

void TlsHarness::close_cleanly() {
  client_closes();
  server.shutdown_write();
}

std::string TlsHarness::peek_client_socket() const {
  std::string buf(1 << 20, '\0');
  ssize_t n = recv(client_fd.get(), buf.data(), buf.size(), MSG_PEEK);
  return n > 0 ? buf.substr(0, static_cast<size_t>(n)) : std::string();
}

std::string TlsHarness::alpn_selected() const {
  const unsigned char* data = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(client.get(), &data, &len);
  return data != nullptr ? std::string(reinterpret_cast<const char*>(data), len) : std::string();
}

std::vector<int> record_types(const std::string& raw) {
  std::vector<int> types;
  size_t at = 0;
  while (at + 5 <= raw.size()) {
    size_t len = (static_cast<unsigned char>(raw[at + 3]) << 8) | static_cast<unsigned char>(raw[at + 4]);
    if (at + 5 + len > raw.size()) break;
    types.push_back(static_cast<unsigned char>(raw[at]));
    at += 5 + len;
  }
  return types;
}

}  // namespace tandem::testing
