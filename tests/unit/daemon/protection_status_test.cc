#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>

#include "base/clock.h"
#include "daemon/http/access_log.h"
#include "daemon/protection_status.h"
#include "daemon/tables/source_limits.h"
#include "tests/unit/daemon/snapshot_builder.h"

namespace tandem {
namespace {

using testing::SnapshotBuilder;

SnapshotBuilder two_frontends() {
  SnapshotBuilder b;
  b.pool("app", {"be1"});
  b.frontend("web", conf::Mode::Http, "app");
  b.frontend("plain", conf::Mode::Tcp, "app");
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(protection_status)

BOOST_AUTO_TEST_CASE(limits_show_the_frontends_with_a_table_and_their_refusals) {
  SnapshotBuilder b = two_frontends();
  base::FakeClock clock;
  tables::SourceLimitsOptions o;
  o.max_connections = 1;
  auto limits = std::make_shared<tables::SourceLimits>(clock, o);
  b.snapshot().frontends[0].limits = limits;
  BOOST_TEST(limits->admit_connection(std::string("\x0a\x00\x00\x01", 4)));
  BOOST_TEST(!limits->admit_connection(std::string("\x0a\x00\x00\x01", 4)));
  BOOST_TEST(limits->admit_connection(std::string("\x0a\x00\x00\x02", 4)));
  BOOST_TEST(limits_table(b.snapshot()).to_json() ==
             "[{\"frontend\":\"web\",\"sources\":2,\"refused_connections\":1,\"refused_requests\":0,"
             "\"evicted_busy\":0}]");
}

BOOST_AUTO_TEST_CASE(logs_show_the_frontends_with_an_access_log) {
  SnapshotBuilder b = two_frontends();
  BOOST_TEST(access_logs_table(b.snapshot()).to_json() == "[]");
  char dir[] = "/tmp/protection_status.XXXXXX";
  BOOST_REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/access.log";
  auto log = http_proxy::AccessLog::open(path);
  BOOST_REQUIRE(log);
  b.snapshot().frontends[1].access_log = std::shared_ptr<http_proxy::AccessLog>(std::move(*log));
  BOOST_TEST(access_logs_table(b.snapshot()).to_json() ==
             "[{\"frontend\":\"plain\",\"target\":\"" + path + "\",\"dropped\":0}]");
  b.snapshot().frontends[1].access_log.reset();
  unlink(path.c_str());
  rmdir(dir);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace tandem
