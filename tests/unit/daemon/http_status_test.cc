#define BOOST_TEST_DYN_LINK
#include "daemon/http_status.h"

#include <boost/test/unit_test.hpp>

#include <chrono>

#include "tests/unit/daemon/snapshot_builder.h"

using namespace tandem;
using namespace std::chrono_literals;
using testing::set_http;
using testing::SnapshotBuilder;

namespace {

const base::MonoTime kT0 = base::MonoTime(5000s);

// Pools app (0), api (1), db (2), spare (3); frontends web (http: app, routes
// to api), db (tcp: db), edge (http: app).
SnapshotBuilder three_frontends() {
  SnapshotBuilder b;
  b.pool("app", {"be1", "be2"});
  b.pool("api", {"api1"});
  b.pool("db", {"pg"});
  b.pool("spare", {"s1"});
  b.frontend("web", conf::Mode::Http, "app", {"api"});
  b.frontend("db", conf::Mode::Tcp, "db");
  b.frontend("edge", conf::Mode::Http, "app");
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_status)

BOOST_AUTO_TEST_CASE(http_pools_are_the_default_and_route_pools_of_http_frontends) {
  SnapshotBuilder b = three_frontends();
  BOOST_TEST(http_pool_indices(b.snapshot()) == (std::vector<uint32_t>{0, 1}));
  // A route pool listed before the default one still comes out in config order, once.
  SnapshotBuilder c;
  c.pool("a", {"x"});
  c.pool("b", {"y"});
  c.frontend("f", conf::Mode::Http, "b", {"a", "b", "a"});
  BOOST_TEST(http_pool_indices(c.snapshot()) == (std::vector<uint32_t>{0, 1}));
  SnapshotBuilder tcp_only;
  tcp_only.pool("a", {"x"});
  tcp_only.frontend("f", conf::Mode::Tcp, "a");
  BOOST_TEST(http_pool_indices(tcp_only.snapshot()).empty());
}

BOOST_AUTO_TEST_CASE(show_http_lists_http_frontends_then_their_servers) {
  SnapshotBuilder b = three_frontends();
  set_http(b.frontend_slot(0), 120, {0, 100, 5, 10, 3}, 4);
  set_http(b.frontend_slot(1), 77, {77, 0, 0, 0, 0});  // a tcp frontend: not shown
  set_http(b.frontend_slot(2), 2, {0, 2, 0, 0, 0});
  set_http(b.server_slot(0, 0), 60, {0, 55, 2, 1, 2});
  set_http(b.server_slot(0, 1), 50, {0, 45, 3, 1, 1});
  set_http(b.server_slot(1, 0), 6, {0, 2, 0, 4, 0});
  status::RateWindow rates;
  const std::string text = show_http_body(b.snapshot(), rates, kT0, false);
  BOOST_TEST(text ==
             "FRONTEND  REQUESTS  REQ_PER_S  RESP_1XX  RESP_2XX  RESP_3XX  RESP_4XX  RESP_5XX  OWN_ANSWERS\n"
             "web            120  -                 0       100         5        10         3            4\n"
             "edge             2  -                 0         2         0         0         0            0\n"
             "\n"
             "POOL  REQUESTS  REQ_PER_S  RESP_1XX  RESP_2XX  RESP_3XX  RESP_4XX  RESP_5XX\n"
             "app        110  -                 0       100         5         2         3\n"
             "api          6  -                 0         2         0         4         0\n"
             "\n"
             "POOL  SERVER  REQUESTS  REQ_PER_S  RESP_1XX  RESP_2XX  RESP_3XX  RESP_4XX  RESP_5XX\n"
             "app   be1           60  -                 0        55         2         1         2\n"
             "app   be2           50  -                 0        45         3         1         1\n"
             "api   api1           6  -                 0         2         0         4         0\n");
  BOOST_TEST(show_http_body(b.snapshot(), rates, kT0, true) ==
             "{\"frontends\":["
             "{\"frontend\":\"web\",\"requests\":120,\"req_per_s\":null,\"resp_1xx\":0,\"resp_2xx\":100,"
             "\"resp_3xx\":5,\"resp_4xx\":10,\"resp_5xx\":3,\"own_answers\":4},"
             "{\"frontend\":\"edge\",\"requests\":2,\"req_per_s\":null,\"resp_1xx\":0,\"resp_2xx\":2,"
             "\"resp_3xx\":0,\"resp_4xx\":0,\"resp_5xx\":0,\"own_answers\":0}],"
             "\"pools\":["
             "{\"pool\":\"app\",\"requests\":110,\"req_per_s\":null,\"resp_1xx\":0,\"resp_2xx\":100,"
             "\"resp_3xx\":5,\"resp_4xx\":2,\"resp_5xx\":3},"
             "{\"pool\":\"api\",\"requests\":6,\"req_per_s\":null,\"resp_1xx\":0,\"resp_2xx\":2,"
             "\"resp_3xx\":0,\"resp_4xx\":4,\"resp_5xx\":0}],"
             "\"servers\":["
             "{\"pool\":\"app\",\"server\":\"be1\",\"requests\":60,\"req_per_s\":null,\"resp_1xx\":0,"
             "\"resp_2xx\":55,\"resp_3xx\":2,\"resp_4xx\":1,\"resp_5xx\":2},"
             "{\"pool\":\"app\",\"server\":\"be2\",\"requests\":50,\"req_per_s\":null,\"resp_1xx\":0,"
             "\"resp_2xx\":45,\"resp_3xx\":3,\"resp_4xx\":1,\"resp_5xx\":1},"
             "{\"pool\":\"api\",\"server\":\"api1\",\"requests\":6,\"req_per_s\":null,\"resp_1xx\":0,"
             "\"resp_2xx\":2,\"resp_3xx\":0,\"resp_4xx\":4,\"resp_5xx\":0}]}");
}

BOOST_AUTO_TEST_CASE(rates_come_from_the_sampled_counters) {
  SnapshotBuilder b = three_frontends();
  status::RateWindow rates(kHttpRateWindow);
  for (int s = 0; s <= 12; ++s) {
    set_http(b.frontend_slot(0), 20u * static_cast<uint64_t>(s), {});
    set_http(b.server_slot(0, 0), 3u * static_cast<uint64_t>(s), {});
    sample_http_requests(b.snapshot(), kT0 + std::chrono::seconds(s), rates);
  }
  // Sampled: web, edge, pools app and api, be1, be2, api1 (not the tcp
  // frontend, nor pools db and spare).
  BOOST_TEST(rates.keys() == 7u);
  // 500 ms after the last tick web has served 10 more (20/s); the base is
  // the tick of 9.5 s before (60 requests).
  set_http(b.frontend_slot(0), 250, {});
  status::Table fe = http_frontends_table(b.snapshot(), rates, kT0 + 12500ms);
  BOOST_TEST(fe.to_json().find("\"frontend\":\"web\",\"requests\":250,\"req_per_s\":20.0,") != std::string::npos,
             fe.to_json());
  BOOST_TEST(fe.to_json().find("\"frontend\":\"edge\",\"requests\":0,\"req_per_s\":0.0,") != std::string::npos,
             fe.to_json());
  status::Table servers = http_servers_table(b.snapshot(), rates, kT0 + 12s);
  BOOST_TEST(servers.to_json().find("\"server\":\"be1\",\"requests\":36,\"req_per_s\":3.0,") != std::string::npos,
             servers.to_json());
  status::Table pools = http_pools_table(b.snapshot(), rates, kT0 + 12s);
  BOOST_TEST(pools.to_json().find("\"pool\":\"app\",\"requests\":36,\"req_per_s\":3.0,") != std::string::npos,
             pools.to_json());
}

BOOST_AUTO_TEST_CASE(a_node_without_http_frontends_shows_empty_tables) {
  SnapshotBuilder b;
  b.pool("db", {"pg"});
  b.frontend("db", conf::Mode::Tcp, "db");
  status::RateWindow rates;
  sample_http_requests(b.snapshot(), kT0, rates);
  BOOST_TEST(rates.keys() == 0u);
  BOOST_TEST(show_http_body(b.snapshot(), rates, kT0, true) == "{\"frontends\":[],\"pools\":[],\"servers\":[]}");
}

BOOST_AUTO_TEST_SUITE_END()
