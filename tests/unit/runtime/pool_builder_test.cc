#define BOOST_TEST_DYN_LINK
#include "daemon/runtime/pool_builder.h"

#include <boost/test/unit_test.hpp>

using namespace tandem;

namespace {

conf::PoolConf make_pool(int primaries, int backups) {
  conf::PoolConf pool;
  pool.name = "app";
  for (int i = 0; i < primaries + backups; ++i) {
    conf::ServerConf s;
    s.name = "s" + std::to_string(i);
    s.address = *base::SocketAddress::parse("127.0.0.1:" + std::to_string(9000 + i));
    s.weight = i + 1;
    s.backup = i >= primaries;
    pool.servers.push_back(s);
  }
  return pool;
}

struct Fixture {
  explicit Fixture(int primaries, int backups, conf::Balance balance = conf::Balance::RoundRobin) {
    config.pools.push_back(make_pool(primaries, backups));
    config.pools[0].balance = balance;
    registry.reconcile(config);
  }
  runtime::ServerState& server(int i) { return *registry.server("app", "s" + std::to_string(i)); }
  runtime::PoolRuntime build(const runtime::PoolRuntime* previous = nullptr) {
    return runtime::build_pool_runtime(config.pools[0], registry, nullptr, previous);
  }
  conf::Config config;
  runtime::StateRegistry registry{2};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_builder)

BOOST_AUTO_TEST_CASE(candidates_are_healthy_enabled_weighted_primaries) {
  Fixture f(4, 1);
  f.server(1).set_up(false);
  f.server(2).set_admin(runtime::AdminState::Drain);
  f.server(3).set_weight(0);
  auto pool = f.build();
  BOOST_TEST(pool.candidates == std::vector<uint32_t>({0}));
  BOOST_TEST(pool.weights == std::vector<uint32_t>({1}));
  BOOST_TEST(!pool.using_backups);
}

BOOST_AUTO_TEST_CASE(backups_only_when_no_primary_qualifies) {
  Fixture f(2, 2);
  f.server(0).set_up(false);
  f.server(1).set_admin(runtime::AdminState::Disabled);
  f.server(3).set_up(false);
  auto pool = f.build();
  BOOST_TEST(pool.candidates == std::vector<uint32_t>({2}));
  BOOST_TEST(pool.using_backups);
  f.server(0).set_up(true);
  pool = f.build();
  BOOST_TEST(pool.candidates == std::vector<uint32_t>({0}));
  BOOST_TEST(!pool.using_backups);
}

BOOST_AUTO_TEST_CASE(maglev_table_maps_to_candidates_and_is_reused_when_unchanged) {
  Fixture f(3, 0, conf::Balance::Source);
  auto first = f.build();
  BOOST_REQUIRE(first.maglev);
  f.server(1).set_up(false);
  auto second = f.build(&first);
  BOOST_REQUIRE(second.maglev);
  BOOST_TEST(second.maglev != first.maglev);
  for (int32_t slot : *second.maglev) BOOST_TEST((slot == 0 || slot == 2));
  auto third = f.build(&second);
  BOOST_TEST(third.maglev == second.maglev);  // same candidates: no rebuild
}

BOOST_AUTO_TEST_CASE(reload_keeps_state_of_unchanged_servers_only) {
  Fixture f(2, 0);
  f.server(0).set_admin(runtime::AdminState::Disabled);
  f.server(1).set_up(false);
  auto kept = f.registry.server("app", "s0");
  conf::Config next = f.config;
  next.pools[0].servers[1].address = *base::SocketAddress::parse("127.0.0.1:9999");  // moved
  f.registry.reconcile(next);
  BOOST_TEST(f.registry.server("app", "s0") == kept);
  BOOST_TEST((kept->admin() == runtime::AdminState::Disabled));
  BOOST_TEST(f.registry.server("app", "s1")->up());  // a new server starts fresh
}

BOOST_AUTO_TEST_CASE(runtime_weight_survives_reload_unless_the_file_changes_it) {
  Fixture f(1, 0);
  f.server(0).set_weight(7);
  f.registry.reconcile(f.config);
  BOOST_TEST(f.server(0).weight() == 7);
  conf::Config next = f.config;
  next.pools[0].servers[0].weight = 3;
  f.registry.reconcile(next);
  BOOST_TEST(f.server(0).weight() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
