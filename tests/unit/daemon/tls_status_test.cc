#define BOOST_TEST_DYN_LINK
#include "daemon/tls_status.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "base/clock.h"
#include "daemon/tls/frontend_tls.h"
#include "tests/unit/daemon/snapshot_builder.h"
#include "tests/unit/tls/test_certs.h"

using namespace tandem;
using testing::make_cert;
using testing::SnapshotBuilder;
using testing::TempDir;
using testing::TestCert;

namespace {

// Pool app; frontends web (http, TLS with two certificates), plain (http),
// api (http, TLS with one certificate).
struct TlsSnapshot {
  TlsSnapshot() {
    b.pool("app", {"be1"});
    b.frontend("web", conf::Mode::Http, "app");
    b.frontend("plain", conf::Mode::Http, "app");
    b.frontend("api", conf::Mode::Http, "app");
    TestCert first = make_cert(testing::CertSpec().dns({"WWW.A.test", "a.test"}).not_after("20300102030405Z"));
    TestCert second = make_cert(testing::CertSpec().cn({"*.b.test"}).not_after("20291231235959Z"));
    TestCert third = make_cert(testing::CertSpec().dns({"api.test"}).not_after("20310101000000Z"));
    web_files = {dir.write("a.pem", first.cert_pem() + first.key_pem()), dir.write("b.crt", second.cert_pem())};
    api_file = dir.write("api.pem", third.cert_pem() + third.key_pem());
    auto web = testing::tls_frontend("web", {{web_files[0], ""}, {web_files[1], dir.write("b.key", second.key_pem())}});
    auto api = testing::tls_frontend("api", {{api_file, ""}});
    b.snapshot().frontends[0].tls = build(web);
    b.snapshot().frontends[2].tls = build(api);
  }

  std::shared_ptr<const tls::FrontendTls> build(const conf::FrontendConf& fe) {
    auto r = tls::FrontendTls::build(fe, keys);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
  }

  TempDir dir;
  base::FakeClock clock;
  std::shared_ptr<tls::TicketKeys> keys = std::make_shared<tls::TicketKeys>(clock);
  SnapshotBuilder b;
  std::vector<std::string> web_files;
  std::string api_file;
};

void set_tls(runtime::TrafficSlot& slot, uint64_t handshakes, uint64_t resumed, uint64_t failures) {
  slot.tls_handshakes.store(handshakes);
  slot.tls_resumed.store(resumed);
  slot.tls_failures.store(failures);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_status)

BOOST_AUTO_TEST_CASE(show_tls_has_a_row_per_tls_frontend) {
  TlsSnapshot t;
  set_tls(t.b.frontend_slot(0), 1200, 300, 7);
  set_tls(t.b.frontend_slot(1), 99, 98, 97);  // plain: never shown
  set_tls(t.b.frontend_slot(2), 5, 0, 12);
  status::Table table = tls_frontends_table(t.b.snapshot());
  BOOST_TEST(table.rows() == 2u);
  BOOST_TEST(table.to_text() ==
             "FRONTEND  HANDSHAKES  RESUMED  FAILURES\n"
             "web             1200      300         7\n"
             "api                5        0        12\n");
  BOOST_TEST(table.to_json() ==
             "[{\"frontend\":\"web\",\"handshakes\":1200,\"resumed\":300,\"failures\":7},"
             "{\"frontend\":\"api\",\"handshakes\":5,\"resumed\":0,\"failures\":12}]");
}

BOOST_AUTO_TEST_CASE(show_tls_sums_the_workers) {
  TlsSnapshot t;
  set_tls(t.b.frontend_slot(0), 10, 4, 1);
  set_tls(t.b.snapshot().frontends[0].state->traffic().slot(0), 5, 1, 2);
  status::Table table = tls_frontends_table(t.b.snapshot());
  BOOST_TEST(table.to_json() ==
             "[{\"frontend\":\"web\",\"handshakes\":15,\"resumed\":5,\"failures\":3},"
             "{\"frontend\":\"api\",\"handshakes\":0,\"resumed\":0,\"failures\":0}]");
}

BOOST_AUTO_TEST_CASE(show_tls_without_tls_frontends_is_the_header_only) {
  SnapshotBuilder b;
  b.pool("app", {"be1"});
  b.frontend("plain", conf::Mode::Http, "app");
  b.frontend("db", conf::Mode::Tcp, "app");
  set_tls(b.frontend_slot(0), 3, 2, 1);
  BOOST_TEST(tls_frontends_table(b.snapshot()).to_text() == "FRONTEND  HANDSHAKES  RESUMED  FAILURES\n");
  BOOST_TEST(tls_certificates_table(b.snapshot()).to_json() == "[]");
}

BOOST_AUTO_TEST_CASE(show_certs_lists_certificates_in_order) {
  TlsSnapshot t;
  status::Table table = tls_certificates_table(t.b.snapshot());
  BOOST_TEST(table.rows() == 3u);
  BOOST_TEST(table.columns() == (std::vector<std::string>{"frontend", "file", "names", "not_after"}));
  BOOST_TEST(table.to_json() ==
             "[{\"frontend\":\"web\",\"file\":\"" + t.web_files[0] +
                 "\",\"names\":\"www.a.test,a.test\",\"not_after\":\"Jan  2 03:04:05 2030 GMT\"},"
                 "{\"frontend\":\"web\",\"file\":\"" + t.web_files[1] +
                 "\",\"names\":\"*.b.test\",\"not_after\":\"Dec 31 23:59:59 2029 GMT\"},"
                 "{\"frontend\":\"api\",\"file\":\"" + t.api_file +
                 "\",\"names\":\"api.test\",\"not_after\":\"Jan  1 00:00:00 2031 GMT\"}]");
  const std::string text = table.to_text();
  BOOST_TEST(text.rfind("FRONTEND  FILE", 0) == 0u);
  BOOST_TEST(text.find("www.a.test,a.test") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(show_certs_shows_a_certificate_without_names_as_a_dash) {
  TempDir dir;
  base::FakeClock clock;
  TestCert anon = make_cert(testing::CertSpec().not_after("20300102030405Z"));
  auto fe = testing::tls_frontend("web", {{dir.write("n.pem", anon.cert_pem() + anon.key_pem()), ""}});
  auto r = tls::FrontendTls::build(fe, std::make_shared<tls::TicketKeys>(clock));
  BOOST_REQUIRE(r.ok());
  SnapshotBuilder b;
  b.pool("app", {"be1"});
  b.frontend("web", conf::Mode::Http, "app");
  b.snapshot().frontends[0].tls = *r;
  status::Table table = tls_certificates_table(b.snapshot());
  BOOST_TEST(table.rows() == 1u);
  BOOST_TEST(table.to_text().find("  -      Jan  2 03:04:05 2030 GMT\n") != std::string::npos, table.to_text());
}

BOOST_AUTO_TEST_SUITE_END()
