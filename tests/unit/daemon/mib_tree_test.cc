#define BOOST_TEST_DYN_LINK
#include "daemon/mib_tree.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "tests/unit/daemon/snapshot_builder.h"
#include "tests/unit/status/printers.h"

using namespace tandem;
using status::MibType;
using status::MibView;
using status::Oid;
using testing::set_http;
using testing::SnapshotBuilder;

namespace {

const Oid kBase{1, 3, 6, 1, 4, 1, 32473, 7};

// Frontends web (http, 1), db (tcp, 2), edge (http, 3); pools app (1, used
// by web and edge), db (2, tcp only), api (3, a route of web).
SnapshotBuilder mixed() {
  SnapshotBuilder b;
  b.pool("app", {"be1", "be2"});
  b.pool("db", {"pg"});
  b.pool("api", {"api1"});
  b.frontend("web", conf::Mode::Http, "app", {"api"});
  b.frontend("db", conf::Mode::Tcp, "db");
  b.frontend("edge", conf::Mode::Http, "app");
  set_http(b.frontend_slot(0), 120, {1, 100, 5, 10, 3}, 4);
  set_http(b.frontend_slot(2), 7, {0, 7, 0, 0, 0});
  set_http(b.server_slot(0, 1), 50, {0, 45, 3, 1, 1});
  set_http(b.server_slot(2, 0), 6, {0, 2, 0, 4, 0});
  return b;
}

MibView frontend_view(SnapshotBuilder& b) {
  MibView v;
  fill_frontend_table(b.snapshot(), kBase, v);
  return v;
}

uint64_t counter(const MibView& v, std::initializer_list<uint32_t> suffix) {
  const status::MibEntry* e = v.get(kBase.child(suffix));
  BOOST_REQUIRE_MESSAGE(e != nullptr, kBase.child(suffix).to_string() + " missing");
  BOOST_TEST((e->value.type() == MibType::Counter64));
  return e->value.as_unsigned();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mib_tree)

BOOST_AUTO_TEST_CASE(http_frontends_have_columns_11_to_17) {
  SnapshotBuilder b = mixed();
  MibView v = frontend_view(b);
  BOOST_TEST(counter(v, {2, 1, 11, 1}) == 120u);  // requests
  BOOST_TEST(counter(v, {2, 1, 12, 1}) == 1u);    // 1xx
  BOOST_TEST(counter(v, {2, 1, 13, 1}) == 100u);  // 2xx
  BOOST_TEST(counter(v, {2, 1, 14, 1}) == 5u);    // 3xx
  BOOST_TEST(counter(v, {2, 1, 15, 1}) == 10u);   // 4xx
  BOOST_TEST(counter(v, {2, 1, 16, 1}) == 3u);    // 5xx
  BOOST_TEST(counter(v, {2, 1, 17, 1}) == 4u);    // own answers
  BOOST_TEST(counter(v, {2, 1, 11, 3}) == 7u);
  BOOST_TEST(counter(v, {2, 1, 13, 3}) == 7u);
  // The tcp frontend has the traffic columns but none of the HTTP ones.
  BOOST_TEST(v.get(kBase.child({2, 1, 10, 2})) != nullptr);
  for (uint32_t column = 11; column <= 17; ++column) BOOST_TEST(v.get(kBase.child({2, 1, column, 2})) == nullptr);
  BOOST_TEST(v.get(kBase.child({2, 1, 18, 1})) == nullptr);
}

BOOST_AUTO_TEST_CASE(a_walk_of_the_frontend_table_goes_column_by_column) {
  SnapshotBuilder b = mixed();
  MibView v = frontend_view(b);
  // Chained next from the table's root, as snmpwalk does.
  std::vector<Oid> seen;
  Oid at = kBase.child({2});
  for (const status::MibEntry* e = v.next(at); e != nullptr && kBase.child({2}).is_prefix_of(e->oid);
       e = v.next(at)) {
    seen.push_back(e->oid);
    at = e->oid;
    BOOST_REQUIRE(seen.size() <= 100u);
  }
  std::vector<Oid> expected;
  for (uint32_t column = 1; column <= 10; ++column) {
    for (uint32_t fe = 1; fe <= 3; ++fe) expected.push_back(kBase.child({2, 1, column, fe}));
  }
  for (uint32_t column = 11; column <= 17; ++column) {
    expected.push_back(kBase.child({2, 1, column, 1}));  // web
    expected.push_back(kBase.child({2, 1, column, 3}));  // edge
  }
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  // Component order, not text order: .10 < .11 < .17, and .2 < .10.
  BOOST_TEST(v.next(kBase.child({2, 1, 10, 3}))->oid == kBase.child({2, 1, 11, 1}));
  BOOST_TEST(v.next(kBase.child({2, 1, 2, 3}))->oid == kBase.child({2, 1, 3, 1}));
  BOOST_TEST(v.next(kBase.child({2, 1, 17, 3})) == nullptr);
}

BOOST_AUTO_TEST_CASE(servers_of_http_pools_have_columns_18_to_23) {
  SnapshotBuilder b = mixed();
  MibView v;
  fill_http_server_columns(b.snapshot(), kBase, v);
  BOOST_TEST(counter(v, {4, 1, 18, 1, 2}) == 50u);  // app/be2 requests
  BOOST_TEST(counter(v, {4, 1, 19, 1, 2}) == 0u);   // 1xx
  BOOST_TEST(counter(v, {4, 1, 20, 1, 2}) == 45u);  // 2xx
  BOOST_TEST(counter(v, {4, 1, 21, 1, 2}) == 3u);   // 3xx
  BOOST_TEST(counter(v, {4, 1, 22, 1, 2}) == 1u);   // 4xx
  BOOST_TEST(counter(v, {4, 1, 23, 1, 2}) == 1u);   // 5xx
  BOOST_TEST(counter(v, {4, 1, 18, 1, 1}) == 0u);   // app/be1: no requests yet, still listed
  BOOST_TEST(counter(v, {4, 1, 18, 3, 1}) == 6u);   // api/api1, a route's pool
  BOOST_TEST(counter(v, {4, 1, 22, 3, 1}) == 4u);
  // Pool db serves only a tcp frontend: no HTTP columns for its server.
  for (uint32_t column = 18; column <= 23; ++column) BOOST_TEST(v.get(kBase.child({4, 1, column, 2, 1})) == nullptr);
  // Column by column, then pool, then server.
  std::vector<Oid> seen;
  for (const status::MibEntry& e : v.entries()) seen.push_back(e.oid);
  BOOST_TEST(seen.size() == 6u * 3u);
  BOOST_TEST(seen[0] == kBase.child({4, 1, 18, 1, 1}));
  BOOST_TEST(seen[1] == kBase.child({4, 1, 18, 1, 2}));
  BOOST_TEST(seen[2] == kBase.child({4, 1, 18, 3, 1}));
  BOOST_TEST(seen[3] == kBase.child({4, 1, 19, 1, 1}));
  BOOST_TEST(seen.back() == kBase.child({4, 1, 23, 3, 1}));
}

BOOST_AUTO_TEST_CASE(the_new_columns_sort_after_the_old_ones_in_a_whole_view) {
  // The daemon adds the server table's HTTP columns after its other columns;
  // the view still answers in OID order: column 17 of every server before 18.
  SnapshotBuilder b = mixed();
  MibView v;
  fill_frontend_table(b.snapshot(), kBase, v);
  fill_http_server_columns(b.snapshot(), kBase, v);
  v.add(kBase.child({4, 1, 17, 1, 1}), status::MibValue::integer(0));  // maxconn, as add_pools_and_servers
  v.add(kBase.child({4, 1, 17, 3, 1}), status::MibValue::integer(0));
  v.add(kBase.child({5, 10, 0}), status::MibValue::counter64(127));
  BOOST_TEST(v.next(kBase.child({2, 1, 17, 3}))->oid == kBase.child({4, 1, 17, 1, 1}));
  BOOST_TEST(v.next(kBase.child({4, 1, 17, 3, 1}))->oid == kBase.child({4, 1, 18, 1, 1}));
  BOOST_TEST(v.next(kBase.child({4, 1, 23, 3, 1}))->oid == kBase.child({5, 10, 0}));
  Oid previous;
  for (const status::MibEntry& e : v.entries()) {
    BOOST_TEST((previous < e.oid));
    previous = e.oid;
  }
}

BOOST_AUTO_TEST_SUITE_END()
