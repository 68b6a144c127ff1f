#define BOOST_TEST_DYN_LINK
#include "daemon/tls/frontend_tls.h"

#include <openssl/err.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <string>

#include "base/clock.h"
#include "tests/unit/tls/test_certs.h"
#include "tests/unit/tls/tls_harness.h"

using namespace tandem;
using namespace std::chrono_literals;
using testing::CertSpec;
using testing::ClientOptions;
using testing::make_cert;
using testing::SessionPtr;
using testing::TempDir;
using testing::TestCert;
using testing::tls_frontend;
using testing::TlsHarness;
using tls::FrontendTls;
using tls::TicketKeys;
using Tls = std::shared_ptr<const FrontendTls>;

namespace {

// Three certificates: a.test (default), *.b.test, and c.test by CN only.
struct ThreeCerts {
  ThreeCerts()
      : a(make_cert(CertSpec().cn({"a.test"}).dns({"a.test", "www.a.test"}))),
        b(make_cert(CertSpec().cn({"wild"}).dns({"*.b.test"}))),
        c(make_cert(CertSpec().cn({"C.test"}))),
        fe(tls_frontend("web", {{dir.write("a.pem", a.cert_pem() + a.key_pem()), ""},
                                {dir.write("b.crt", b.cert_pem()), dir.write("b.key", b.key_pem())},
                                {dir.write("c.pem", c.cert_pem() + c.key_pem()), ""}})) {}

  Tls build(std::shared_ptr<TicketKeys> with = nullptr) {
    auto r = FrontendTls::build(fe, with ? with : keys);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
  }

  TempDir dir;
  TestCert a, b, c;
  conf::FrontendConf fe;
  base::FakeClock clock;
  std::shared_ptr<TicketKeys> keys = std::make_shared<TicketKeys>(clock);
};

std::string build_error(const conf::FrontendConf& fe) {
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(!r.ok());
  return r.error().message;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Which certificate the client was given.
bool peer_is(TlsHarness& h, const TestCert& cert) {
  base::CPtr<X509, X509_free> peer(SSL_get1_peer_certificate(h.client.get()));
  return peer != nullptr && X509_cmp(peer.get(), cert.x509.get()) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frontend_tls)

// --- build ---

BOOST_AUTO_TEST_CASE(builds_from_one_file_and_from_two) {
  ThreeCerts t;
  Tls tls = t.build();
  BOOST_REQUIRE(tls->certificates().size() == 3u);
  BOOST_TEST(tls->certificates()[0].file == t.fe.tls_certs[0].cert_file);
  BOOST_TEST(tls->certificates()[1].file == t.fe.tls_certs[1].cert_file);
  BOOST_TEST(tls->certificates()[2].file == t.fe.tls_certs[2].cert_file);
  BOOST_TEST(tls->certificates()[0].names == (std::vector<std::string>{"a.test", "www.a.test"}));
  BOOST_TEST(tls->certificates()[1].names == (std::vector<std::string>{"*.b.test"}));
  BOOST_TEST(tls->certificates()[2].names == (std::vector<std::string>{"c.test"}));
  for (const auto& info : tls->certificates()) BOOST_TEST(!info.not_after.empty());
}

BOOST_AUTO_TEST_CASE(a_chain_file_is_sent_whole_and_named_by_its_leaf) {
  TempDir dir;
  TestCert leaf = make_cert(CertSpec().dns({"leaf.test"})), issuer = make_cert(CertSpec().cn({"Test CA"}));
  auto fe = tls_frontend("web", {{dir.write("chain.pem", leaf.cert_pem() + issuer.cert_pem()),
                                  dir.write("leaf.key", leaf.key_pem())}});
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((*r)->certificates()[0].names == (std::vector<std::string>{"leaf.test"}));
  TlsHarness h((*r)->new_ssl(), ClientOptions().sni("leaf.test"));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(peer_is(h, leaf));
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(h.client.get());
  BOOST_REQUIRE(chain != nullptr);
  BOOST_TEST(sk_X509_num(chain) == 2);
  BOOST_TEST(X509_cmp(sk_X509_value(chain, 1), issuer.x509.get()) == 0);
}

BOOST_AUTO_TEST_CASE(new_ssl_is_a_server_in_accept_state) {
  ThreeCerts t;
  Tls tls = t.build();
  testing::SslPtr ssl(tls->new_ssl());
  BOOST_REQUIRE(ssl != nullptr);
  BOOST_TEST(SSL_is_server(ssl.get()) == 1);
  BOOST_TEST(SSL_get_SSL_CTX(ssl.get()) == tls->context_for(""));
}

BOOST_AUTO_TEST_CASE(not_after_is_the_certificates_expiry) {
  TempDir dir;
  TestCert c = make_cert(CertSpec().dns({"x.test"}).not_after("20300102030405Z"));
  auto fe = tls_frontend("web", {{dir.write("x.pem", c.cert_pem() + c.key_pem()), ""}});
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((*r)->certificates()[0].not_after == "Jan  2 03:04:05 2030 GMT");
}

BOOST_AUTO_TEST_CASE(an_expired_certificate_is_loaded_and_served) {
  TempDir dir;
  TestCert c = make_cert(CertSpec().dns({"old.test"}).not_after("20210101000000Z").not_before("20200101000000Z"));
  auto fe = tls_frontend("web", {{dir.write("old.pem", c.cert_pem() + c.key_pem()), ""}});
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((*r)->certificates()[0].not_after == "Jan  1 00:00:00 2021 GMT");
  TlsHarness h((*r)->new_ssl(), ClientOptions().sni("old.test"));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(peer_is(h, c));
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_match_is_refused_with_its_line) {
  TempDir dir;
  TestCert a = make_cert(CertSpec().dns({"a.test"})), other = make_cert(CertSpec().dns({"o.test"}));
  std::string good = dir.write("good.pem", other.cert_pem() + other.key_pem());
  std::string crt = dir.write("a.crt", a.cert_pem()), key = dir.write("o.key", other.key_pem());
  std::string e = build_error(tls_frontend("web", {{good, ""}, {crt, key}}));
  BOOST_TEST(starts_with(e, "tandem.conf:12: [frontend:web] tls_cert: " + key + ": "), e);
  BOOST_TEST(e.find("match") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_pem_is_refused) {
  TempDir dir;
  std::string junk = dir.write("junk.pem", "this is not a certificate\n");
  std::string e = build_error(tls_frontend("edge", {{junk, ""}}));
  BOOST_TEST(starts_with(e, "tandem.conf:11: [frontend:edge] tls_cert: " + junk + ": "), e);
  BOOST_TEST(e.find("certificate") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_refused) {
  TempDir dir;
  std::string e = build_error(tls_frontend("web", {{dir.path() + "/nope.pem", ""}}));
  BOOST_TEST(starts_with(e, "tandem.conf:11: [frontend:web] tls_cert: " + dir.path() + "/nope.pem: "), e);
}

BOOST_AUTO_TEST_CASE(a_cert_file_without_its_key_is_refused) {
  TempDir dir;
  TestCert a = make_cert(CertSpec().dns({"a.test"}));
  std::string crt = dir.write("a.crt", a.cert_pem());
  std::string e = build_error(tls_frontend("web", {{crt, ""}}));
  BOOST_TEST(starts_with(e, "tandem.conf:11: [frontend:web] tls_cert: " + crt + ": "), e);
  BOOST_TEST(e.find("private key") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_key_with_a_passphrase_is_refused_without_prompting) {
  TempDir dir;
  TestCert a = make_cert(CertSpec().dns({"a.test"}));
  std::string crt = dir.write("a.crt", a.cert_pem()), key = dir.write("a.key", a.encrypted_key_pem("secret"));
  std::string e = build_error(tls_frontend("web", {{crt, key}}));
  BOOST_TEST(starts_with(e, "tandem.conf:11: [frontend:web] tls_cert: " + key + ": "), e);
  BOOST_TEST(e.find("passphrase") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(bad_cipher_lists_are_refused_with_their_key) {
  ThreeCerts t;
  t.fe.tls_ciphers = "NO-SUCH-CIPHER";
  std::string e = build_error(t.fe);
  BOOST_TEST(starts_with(e, "tandem.conf:10: [frontend:web] tls_ciphers: "), e);
  BOOST_TEST(e.find("NO-SUCH-CIPHER") != std::string::npos, e);
  t.fe.tls_ciphers = "";
  t.fe.tls_ciphersuites = "TLS_NO_SUCH_SUITE";
  e = build_error(t.fe);
  BOOST_TEST(starts_with(e, "tandem.conf:10: [frontend:web] tls_ciphersuites: "), e);
  BOOST_TEST(e.find("TLS_NO_SUCH_SUITE") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_build_error_leaves_no_stale_openssl_error) {
  ThreeCerts t;
  t.fe.tls_ciphers = "NO-SUCH-CIPHER";
  (void)build_error(t.fe);
  BOOST_TEST(ERR_peek_error() == 0ul);
}

BOOST_AUTO_TEST_CASE(the_configured_tls12_cipher_is_the_one_used) {
  ThreeCerts t;
  t.fe.tls_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").max_version(TLS1_2_VERSION).ciphers(
                                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                   "ECDHE-ECDSA-AES128-GCM-SHA256"));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(std::string(SSL_get_cipher_name(h.client.get())) == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

BOOST_AUTO_TEST_CASE(the_server_prefers_its_own_cipher_order) {
  ThreeCerts t;
  t.fe.tls_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256";
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().max_version(TLS1_2_VERSION).ciphers(
                                   "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(std::string(SSL_get_cipher_name(h.client.get())) == "ECDHE-ECDSA-AES256-GCM-SHA384");
}

BOOST_AUTO_TEST_CASE(tls_min_version_13_refuses_a_tls12_client) {
  ThreeCerts t;
  t.fe.tls_min_version = "1.3";
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().max_version(TLS1_2_VERSION));
  BOOST_TEST(!h.handshake());
  BOOST_TEST(h.server_result == -1);
  BOOST_TEST(h.server_errno == EPROTO);
  BOOST_TEST(!h.server.tls_error().empty());
  TlsHarness ok(tls->new_ssl(), {});
  BOOST_REQUIRE(ok.handshake());
  BOOST_TEST(SSL_version(ok.client.get()) == TLS1_3_VERSION);
}

BOOST_AUTO_TEST_CASE(tls12_and_tls13_are_both_served_by_default) {
  ThreeCerts t;
  Tls tls = t.build();
  TlsHarness h12(tls->new_ssl(), ClientOptions().max_version(TLS1_2_VERSION));
  BOOST_REQUIRE(h12.handshake());
  BOOST_TEST(SSL_version(h12.client.get()) == TLS1_2_VERSION);
  TlsHarness h13(tls->new_ssl(), {});
  BOOST_REQUIRE(h13.handshake());
  BOOST_TEST(SSL_version(h13.client.get()) == TLS1_3_VERSION);
}

// --- choosing the certificate ---

BOOST_AUTO_TEST_CASE(context_for_exact_wildcard_and_default) {
  ThreeCerts t;
  Tls tls = t.build();
  SSL_CTX* dflt = tls->context_for("");
  SSL_CTX* a = tls->context_for("a.test");
  SSL_CTX* b = tls->context_for("x.b.test");
  SSL_CTX* c = tls->context_for("c.test");
  BOOST_TEST(a == dflt);  // the first line is the default
  BOOST_TEST(b != dflt);
  BOOST_TEST(c != dflt);
  BOOST_TEST(c != b);
  BOOST_TEST(tls->context_for("www.a.test") == a);
  BOOST_TEST(tls->context_for("y.b.test") == b);
  BOOST_TEST(tls->context_for("a.b.b.test") == dflt);  // a wildcard covers one label
  BOOST_TEST(tls->context_for("b.test") == dflt);
  BOOST_TEST(tls->context_for("unknown.test") == dflt);
  BOOST_TEST(tls->context_for("localhost") == dflt);
  BOOST_TEST(SSL_CTX_get0_certificate(b) != nullptr);
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate(b), t.b.x509.get()) == 0);
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate(c), t.c.x509.get()) == 0);
}

BOOST_AUTO_TEST_CASE(an_exact_name_wins_over_an_earlier_wildcard) {
  TempDir dir;
  TestCert wild = make_cert(CertSpec().dns({"*.b.test"})), exact = make_cert(CertSpec().dns({"x.b.test"}));
  auto fe = tls_frontend("web", {{dir.write("w.pem", wild.cert_pem() + wild.key_pem()), ""},
                                 {dir.write("x.pem", exact.cert_pem() + exact.key_pem()), ""}});
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate((*r)->context_for("x.b.test")), exact.x509.get()) == 0);
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate((*r)->context_for("y.b.test")), wild.x509.get()) == 0);
}

BOOST_AUTO_TEST_CASE(a_tie_goes_to_the_earlier_line) {
  TempDir dir;
  TestCert dflt = make_cert(CertSpec().dns({"d.test"}));
  TestCert first = make_cert(CertSpec().dns({"same.test", "*.w.test"}));
  TestCert second = make_cert(CertSpec().dns({"*.w.test", "same.test"}));
  auto fe = tls_frontend("web", {{dir.write("d.pem", dflt.cert_pem() + dflt.key_pem()), ""},
                                 {dir.write("1.pem", first.cert_pem() + first.key_pem()), ""},
                                 {dir.write("2.pem", second.cert_pem() + second.key_pem()), ""}});
  base::FakeClock clock;
  auto r = FrontendTls::build(fe, std::make_shared<TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate((*r)->context_for("same.test")), first.x509.get()) == 0);
  BOOST_TEST(X509_cmp(SSL_CTX_get0_certificate((*r)->context_for("v.w.test")), first.x509.get()) == 0);
}

BOOST_AUTO_TEST_CASE(the_client_gets_the_certificate_its_sni_names) {
  ThreeCerts t;
  Tls tls = t.build();
  struct Case {
    std::string sni;
    const TestCert* want;
  } cases[] = {{"a.test", &t.a},      {"www.a.test", &t.a}, {"x.b.test", &t.b}, {"X.B.Test", &t.b},
               {"c.test", &t.c},      {"C.TEST", &t.c},     {"a.b.b.test", &t.a}, {"unknown.test", &t.a},
               {"", &t.a}};
  for (const Case& c : cases) {
    TlsHarness h(tls->new_ssl(), ClientOptions().sni(c.sni).alpn({"http/1.1"}));
    BOOST_REQUIRE_MESSAGE(h.handshake(), "sni " << c.sni);
    BOOST_TEST(peer_is(h, *c.want), "sni '" << c.sni << "'");
  }
}

BOOST_AUTO_TEST_CASE(sni_chooses_the_certificate_with_tls12_too) {
  ThreeCerts t;
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().sni("z.b.test").max_version(TLS1_2_VERSION));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(peer_is(h, t.b));
}

// --- ALPN ---

BOOST_AUTO_TEST_CASE(alpn_selects_http11) {
  ThreeCerts t;
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").alpn({"h2", "http/1.1"}));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(h.alpn_selected() == "http/1.1");
  TlsHarness only(tls->new_ssl(), ClientOptions().sni("a.test").alpn({"http/1.1"}));
  BOOST_REQUIRE(only.handshake());
  BOOST_TEST(only.alpn_selected() == "http/1.1");
}

BOOST_AUTO_TEST_CASE(a_client_without_alpn_is_served) {
  ThreeCerts t;
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test"));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(h.alpn_selected() == "");
}

BOOST_AUTO_TEST_CASE(a_client_offering_only_h2_is_refused) {
  ThreeCerts t;
  Tls tls = t.build();
  TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").alpn({"h2"}));
  BOOST_TEST(!h.handshake());
  BOOST_TEST(h.server_result == -1);
  BOOST_TEST(h.server_errno == EPROTO);
  BOOST_TEST(h.server.tls_error().find("application protocol") != std::string::npos, h.server.tls_error());
  BOOST_TEST(!h.server.handshake_done());
  BOOST_TEST(h.server.handshake_started());
  // The client is told why: the no_application_protocol alert (120).
  BOOST_TEST(h.client_read(1).empty());
  BOOST_TEST(h.client_error == SSL_ERROR_SSL);
}

// --- resumption ---

namespace {

// A full handshake on `tls` with `options`; the session the client keeps
// after reading once; then the client's close (cleanly on both sides, or
// the client's close_notify only, as an HTTP client's close looks to the
// session).
SessionPtr first_session(const Tls& tls, const ClientOptions& options, bool clean_close = true) {
  TlsHarness first(tls->new_ssl(), options);
  BOOST_REQUIRE(first.handshake());
  BOOST_TEST(!first.resumed());
  SessionPtr session = first.client_session_after_reading("hello");
  if (clean_close) first.close_cleanly();
  else first.client_closes();
  return session;
}

// Whether a new connection to `tls` offering `session` resumes it (the
// handshake completes either way; client and server agree on it).
bool resumes(const Tls& tls, ClientOptions options, SSL_SESSION* session) {
  TlsHarness again(tls->new_ssl(), options.session(session));
  BOOST_REQUIRE(again.handshake());
  BOOST_TEST(SSL_session_reused(again.client.get()) == (again.resumed() ? 1 : 0));
  return again.resumed();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_ticket_resumes_tls13) {
  ThreeCerts t;
  Tls tls = t.build();
  SessionPtr session = first_session(tls, ClientOptions().sni("a.test"));
  BOOST_TEST(resumes(tls, ClientOptions().sni("a.test"), session.get()));
}

BOOST_AUTO_TEST_CASE(a_ticket_resumes_tls12) {
  ThreeCerts t;
  t.fe.tls_session_cache = 0;  // only the ticket can resume
  Tls tls = t.build();
  SessionPtr session = first_session(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION));
  BOOST_TEST(SSL_SESSION_has_ticket(session.get()) == 1);
  BOOST_TEST(resumes(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION), session.get()));
}

BOOST_AUTO_TEST_CASE(a_ticket_resumes_on_a_non_default_certificate) {
  ThreeCerts t;
  Tls tls = t.build();
  SessionPtr session = first_session(tls, ClientOptions().sni("x.b.test"));
  BOOST_TEST(resumes(tls, ClientOptions().sni("x.b.test"), session.get()));
}

BOOST_AUTO_TEST_CASE(the_session_cache_resumes_without_tickets_tls12) {
  ThreeCerts t;
  t.fe.tls_tickets = false;
  Tls tls = t.build();
  SessionPtr session = first_session(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION));
  BOOST_TEST(SSL_SESSION_has_ticket(session.get()) == 0);
  BOOST_TEST(resumes(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION), session.get()));
}

BOOST_AUTO_TEST_CASE(the_session_cache_resumes_without_tickets_tls13) {
  ThreeCerts t;
  t.fe.tls_tickets = false;
  Tls tls = t.build();
  SessionPtr session = first_session(tls, ClientOptions().sni("a.test"));
  BOOST_TEST(resumes(tls, ClientOptions().sni("a.test"), session.get()));
}

BOOST_AUTO_TEST_CASE(the_session_cache_keeps_a_session_the_client_closed) {
  // When the client ends a connection (close_notify, or a bare close), the
  // HTTP session frees its Stream without shutdown_write(). SSL_free() of a
  // session not marked shut down removes it from the server's cache
  // (ssl_clear_bad_session); Stream marks a cleanly handshaken connection
  // shut down when it is freed, so the cache keeps it (once failed: the
  // cache never resumed a connection the client closed).
  ThreeCerts t;
  t.fe.tls_tickets = false;
  Tls tls = t.build();
  // The client closes, then the server frees its Stream, as HttpSession::finish() does.
  SessionPtr session = first_session(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION), false);
  BOOST_TEST(resumes(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION), session.get()));
}

BOOST_AUTO_TEST_CASE(no_cache_and_no_tickets_never_resume) {
  ThreeCerts t;
  t.fe.tls_tickets = false;
  t.fe.tls_session_cache = 0;
  Tls tls = t.build();
  for (int version : {TLS1_2_VERSION, 0}) {
    SessionPtr session = first_session(tls, ClientOptions().sni("a.test").max_version(version));
    BOOST_TEST(!resumes(tls, ClientOptions().sni("a.test").max_version(version), session.get()), "version " << version);
  }
}

BOOST_AUTO_TEST_CASE(the_session_cache_belongs_to_one_build) {
  ThreeCerts t;
  t.fe.tls_tickets = false;
  Tls before = t.build(), after = t.build();
  SessionPtr session = first_session(before, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION));
  BOOST_TEST(!resumes(after, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION), session.get()));
}

BOOST_AUTO_TEST_CASE(a_ticket_resumes_across_builds_with_the_same_keys) {
  ThreeCerts t;
  Tls before = t.build(), after = t.build();  // a reload: new contexts, the daemon's keys
  for (int version : {TLS1_2_VERSION, 0}) {
    SessionPtr session = first_session(before, ClientOptions().sni("a.test").max_version(version));
    BOOST_TEST(resumes(after, ClientOptions().sni("a.test").max_version(version), session.get()), "version " << version);
  }
}

BOOST_AUTO_TEST_CASE(a_ticket_does_not_resume_with_other_keys) {
  ThreeCerts t;
  Tls before = t.build(), other = t.build(std::make_shared<TicketKeys>(t.clock));
  for (int version : {TLS1_2_VERSION, 0}) {
    SessionPtr session = first_session(before, ClientOptions().sni("a.test").max_version(version));
    BOOST_TEST(!resumes(other, ClientOptions().sni("a.test").max_version(version), session.get()), "version " << version);
  }
}

BOOST_AUTO_TEST_CASE(a_ticket_does_not_resume_on_another_frontend) {
  ThreeCerts t;
  Tls web = t.build();
  conf::FrontendConf other_fe = t.fe;
  other_fe.name = "api";
  auto r = FrontendTls::build(other_fe, t.keys);  // the same daemon keys
  BOOST_REQUIRE(r.ok());
  SessionPtr session = first_session(web, ClientOptions().sni("a.test"));
  BOOST_TEST(!resumes(*r, ClientOptions().sni("a.test"), session.get()));
}

BOOST_AUTO_TEST_CASE(a_ticket_from_an_older_key_resumes_until_the_key_is_dropped) {
  ThreeCerts t;
  t.fe.tls_session_cache = 0;
  auto keys = std::make_shared<TicketKeys>(t.clock, 60s, 2);
  Tls tls = t.build(keys);
  for (int version : {TLS1_2_VERSION, 0}) {
    SessionPtr old = first_session(tls, ClientOptions().sni("a.test").max_version(version));
    t.clock.advance(60s);
    keys->current();  // rotated: the ticket's key is kept, no longer the newest
    {
      TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").max_version(version).session(old.get()));
      BOOST_REQUIRE(h.handshake());
      BOOST_TEST(h.resumed(), "version " << version);
      h.close_cleanly();
    }
    t.clock.advance(60s);
    keys->current();  // rotated again: keep = 2, the ticket's key is gone
    {
      TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").max_version(version).session(old.get()));
      BOOST_REQUIRE(h.handshake());
      BOOST_TEST(!h.resumed(), "version " << version);
    }
  }
}

namespace {

// The key name a ticket starts with (RFC 5077 4's recommended format, which OpenSSL uses).
std::array<uint8_t, 16> ticket_key_name(SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  size_t len = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &len);
  std::array<uint8_t, 16> name{};
  BOOST_REQUIRE(len >= name.size());
  std::copy(ticket, ticket + name.size(), name.begin());
  return name;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tickets_are_sealed_with_the_current_key_and_an_old_one_is_renewed) {
  ThreeCerts t;
  t.fe.tls_session_cache = 0;
  auto keys = std::make_shared<TicketKeys>(t.clock, 60s, 3);
  Tls tls = t.build(keys);
  SessionPtr old = first_session(tls, ClientOptions().sni("a.test").max_version(TLS1_2_VERSION));
  BOOST_TEST((ticket_key_name(old.get()) == keys->current().name));
  // Resumed with the newest key: TLS 1.2 keeps the ticket.
  {
    TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").max_version(TLS1_2_VERSION).session(old.get()));
    BOOST_REQUIRE(h.handshake());
    BOOST_REQUIRE(h.resumed());
    SessionPtr now = h.client_session_after_reading("hello");
    BOOST_TEST((ticket_key_name(now.get()) == ticket_key_name(old.get())));
    h.close_cleanly();
  }
  t.clock.advance(60s);
  const std::array<uint8_t, 16> newest = keys->current().name;
  BOOST_TEST((newest != ticket_key_name(old.get())));
  // Resumed with an older key: a fresh ticket under the newest.
  {
    TlsHarness h(tls->new_ssl(), ClientOptions().sni("a.test").max_version(TLS1_2_VERSION).session(old.get()));
    BOOST_REQUIRE(h.handshake());
    BOOST_REQUIRE(h.resumed());
    SessionPtr renewed = h.client_session_after_reading("hello");
    BOOST_TEST((ticket_key_name(renewed.get()) == newest));
    h.close_cleanly();
  }
}

BOOST_AUTO_TEST_SUITE_END()
