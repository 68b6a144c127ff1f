#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "sync/psk_context.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <string>

#include "base/unique_fd.h"

namespace tandem::sync {
namespace {

const std::string kKey(32, 'k');
const std::string kOtherKey(32, 'x');

// A client and a server SSL over a non-blocking socketpair, handshaking in
// turns (bounded) until both are done or one has failed.
struct Pair {
  base::UniqueFd fds[2];
  SslPtr client, server;
  int client_rc = 0, server_rc = 0;

  Pair(const PskContexts& c, const PskContexts& s) {
    int sv[2];
    BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    fds[0].reset(sv[0]);
    fds[1].reset(sv[1]);
    client.reset(SSL_new(c.client.get()));
    server.reset(SSL_new(s.server.get()));
    SSL_set_fd(client.get(), sv[0]);
    SSL_set_fd(server.get(), sv[1]);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
  }

  static bool pending(SSL* ssl, int rc) {
    int err = SSL_get_error(ssl, rc);
    return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
  }

  void handshake() {
    for (int i = 0; i < 50; ++i) {
      if (client_rc != 1) client_rc = SSL_do_handshake(client.get());
      bool client_failed = client_rc != 1 && !pending(client.get(), client_rc);
      if (server_rc != 1) server_rc = SSL_do_handshake(server.get());
      bool server_failed = server_rc != 1 && !pending(server.get(), server_rc);
      ERR_clear_error();
      if (client_rc == 1 && server_rc == 1) return;
      if (client_failed || server_failed) {
        // Let the other side read the alert, once more.
        if (client_rc != 1) client_rc = SSL_do_handshake(client.get());
        if (server_rc != 1) server_rc = SSL_do_handshake(server.get());
        ERR_clear_error();
        return;
      }
    }
  }
};

BOOST_AUTO_TEST_SUITE(psk_context)

BOOST_AUTO_TEST_CASE(short_key_refused) {
  auto r = make_psk_contexts(std::string(31, 'k'));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("at least 32") != std::string::npos);
  BOOST_TEST(make_psk_contexts(std::string(32, 'k')).ok());
  BOOST_TEST(make_psk_contexts(std::string(100, 'k')).ok());
}

BOOST_AUTO_TEST_CASE(same_key_handshakes_tls13_with_psk_and_dhe) {
  auto ctx = make_psk_contexts(kKey);
  BOOST_REQUIRE(ctx.ok());
  Pair p(*ctx, *ctx);
  p.handshake();
  BOOST_REQUIRE_EQUAL(p.client_rc, 1);
  BOOST_REQUIRE_EQUAL(p.server_rc, 1);
  for (SSL* ssl : {p.client.get(), p.server.get()}) {
    BOOST_TEST(SSL_version(ssl) == TLS1_3_VERSION);
    BOOST_TEST(SSL_session_reused(ssl) == 1);  // the external PSK was used
    BOOST_TEST(std::string(SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))) == kCipherSuite);
    BOOST_TEST(SSL_get_negotiated_group(ssl) != 0);  // psk_dhe_ke: an (EC)DHE share too
    BOOST_TEST(SSL_get0_peer_certificate(ssl) == nullptr);
  }
  // Application data flows.
  BOOST_REQUIRE_EQUAL(SSL_write(p.client.get(), "ping", 4), 4);
  char buf[8] = {};
  BOOST_REQUIRE_EQUAL(SSL_read(p.server.get(), buf, sizeof(buf)), 4);
  BOOST_TEST(std::string(buf, 4) == "ping");
}

BOOST_AUTO_TEST_CASE(different_key_fails_both_sides) {
  auto a = make_psk_contexts(kKey);
  auto b = make_psk_contexts(kOtherKey);
  BOOST_REQUIRE(a.ok() && b.ok());
  Pair p(*a, *b);
  p.handshake();
  BOOST_TEST(p.client_rc != 1);
  BOOST_TEST(p.server_rc != 1);
  BOOST_TEST(!Pair::pending(p.client.get(), p.client_rc));
  BOOST_TEST(!Pair::pending(p.server.get(), p.server_rc));
}

BOOST_AUTO_TEST_CASE(keys_differing_past_32_bytes_differ) {
  // The whole key counts (HKDF over all of it), not only a prefix.
  auto a = make_psk_contexts(kKey + "a");
  auto b = make_psk_contexts(kKey + "b");
  BOOST_REQUIRE(a.ok() && b.ok());
  Pair p(*a, *b);
  p.handshake();
  BOOST_TEST(p.client_rc != 1);
  BOOST_TEST(p.server_rc != 1);
}

BOOST_AUTO_TEST_CASE(client_without_psk_is_refused) {
  // A plain TLS 1.3 client (no PSK) gets nothing: the server has no certificate.
  auto ctx = make_psk_contexts(kKey);
  BOOST_REQUIRE(ctx.ok());
  SslCtxPtr plain(SSL_CTX_new(TLS_client_method()));
  PskContexts other{std::move(plain), nullptr};
  auto server_only = make_psk_contexts(kKey);
  BOOST_REQUIRE(server_only.ok());
  Pair p(other, *server_only);
  p.handshake();
  BOOST_TEST(p.client_rc != 1);
  BOOST_TEST(p.server_rc != 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace tandem::sync
