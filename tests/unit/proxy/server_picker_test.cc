#define BOOST_TEST_DYN_LINK
#include "daemon/proxy/server_picker.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "daemon/runtime/pool_builder.h"
#include "daemon/runtime/state_registry.h"
#include "daemon/tables/sticky_table.h"

using namespace tandem;

namespace {

constexpr uint64_t kSeed = 42;

// One pool "app" with servers s0..sN-1 (weights as given, the last `backups`
// of them backups), its live states, an optional sticky table on a fake
// clock, and snapshots built from them as the daemon builds them.
class Fixture {
 public:
  Fixture(std::vector<int> weights, conf::Balance balance, int backups = 0) {
    conf::PoolConf pool;
    pool.name = "app";
    pool.balance = balance;
    for (size_t i = 0; i < weights.size(); ++i) {
      conf::ServerConf s;
      s.name = "s" + std::to_string(i);
      s.address = *base::SocketAddress::parse("127.0.0.1:" + std::to_string(9000 + i));
      s.weight = weights[i];
      s.backup = static_cast<int>(i) >= static_cast<int>(weights.size()) - backups;
      pool.servers.push_back(s);
    }
    config_.pools.push_back(std::move(pool));
    registry_.reconcile(config_);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  // Before the first snapshot: servers read their maxconn from the config.
  void set_maxconn(int server, int maxconn) { config_.pools[0].servers[static_cast<size_t>(server)].maxconn = maxconn; }
  void make_sticky() {
    config_.pools[0].sticky = conf::StickyKind::Source;
    tables::StickyOptions options;
    options.ttl = base::Millis(60000);
    options.max_entries = 10000;
    sticky_ = std::make_shared<tables::StickyTable>(clock_, options);
  }

  runtime::ServerState& server(int i) { return *registry_.server("app", "s" + std::to_string(i)); }
  // Worker 0's count of open connections to server `i`, moved by `n`.
  void add_active(int i, int64_t n) { runtime::bump(server(i).traffic().slot(0).active, n); }
  tables::StickyTable& sticky() { return *sticky_; }

  // A new snapshot from the current states, as Daemon::publish() makes it.
  runtime::RuntimeSnapshot snapshot() {
    runtime::RuntimeSnapshot snap;
    snap.generation = ++generation_;
    snap.pools.push_back(runtime::build_pool_runtime(config_.pools[0], registry_, sticky_,
                                                     last_ ? &*last_ : nullptr));
    last_ = snap.pools[0];
    return snap;
  }

 private:
  base::FakeClock clock_;
  conf::Config config_;
  runtime::StateRegistry registry_{2};
  std::shared_ptr<tables::StickyTable> sticky_;
  std::optional<runtime::PoolRuntime> last_;
  uint64_t generation_ = 0;
};

base::SocketAddress client(int i) {
  return *base::SocketAddress::parse("10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) +
                                     "." + std::to_string(i & 255) + ":40000");
}

// How many of `picks` picks (by clients first_client, first_client+1, ...)
// land on each server index (-1: none).
std::map<int, int> tally(proxy::ServerPicker& picker, const runtime::RuntimeSnapshot& snap, int picks,
                         std::span<const uint32_t> exclude = {}, int first_client = 0) {
  std::map<int, int> counts;
  for (int i = 0; i < picks; ++i) ++counts[picker.pick(snap, 0, client(first_client + i), exclude)];
  return counts;
}

const conf::Balance kAllBalances[] = {conf::Balance::RoundRobin, conf::Balance::LeastConn, conf::Balance::Random,
                                      conf::Balance::Source, conf::Balance::Hash};

}  // namespace

BOOST_AUTO_TEST_SUITE(server_picker)

BOOST_AUTO_TEST_CASE(roundrobin_weights_3_to_1_give_exact_shares) {
  Fixture f({3, 1}, conf::Balance::RoundRobin);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  auto counts = tally(picker, snap, 4000);
  BOOST_TEST(counts[0] == 3000);
  BOOST_TEST(counts[1] == 1000);
  BOOST_TEST(counts.size() == 2u);  // never -1
}

BOOST_AUTO_TEST_CASE(roundrobin_spreads_picks_smoothly) {
  Fixture f({3, 1}, conf::Balance::RoundRobin);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  // Every window of 4 consecutive picks holds exactly one pick of s1.
  for (int window = 0; window < 50; ++window) {
    int s1 = 0;
    for (int i = 0; i < 4; ++i) s1 += picker.pick(snap, 0, client(i), {}) == 1;
    BOOST_TEST(s1 == 1);
  }
}

BOOST_AUTO_TEST_CASE(exclude_skips_tried_servers_and_all_excluded_is_minus_one) {
  for (conf::Balance balance : kAllBalances) {
    BOOST_TEST_CONTEXT("balance " << conf::to_string(balance)) {
      Fixture f({1, 1, 1}, balance);
      auto snap = f.snapshot();
      proxy::ServerPicker picker(kSeed);
      picker.reset(snap);
      const uint32_t tried[] = {0, 2};
      auto counts = tally(picker, snap, 300, tried);
      BOOST_TEST(counts[1] == 300);
      const uint32_t all[] = {2, 0, 1};
      counts = tally(picker, snap, 50, all);
      BOOST_TEST(counts[-1] == 50);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_server_at_its_maxconn_is_skipped) {
  for (conf::Balance balance : kAllBalances) {
    BOOST_TEST_CONTEXT("balance " << conf::to_string(balance)) {
      Fixture f({5, 1, 1}, balance);
      f.set_maxconn(0, 3);
      f.add_active(0, 3);
      auto snap = f.snapshot();
      proxy::ServerPicker picker(kSeed);
      picker.reset(snap);
      auto counts = tally(picker, snap, 600);
      BOOST_TEST(counts[0] == 0);
      BOOST_TEST(counts[1] + counts[2] == 600);
      // One connection closes: s0 has room again (no new snapshot needed);
      // the others are busier, so every algorithm has a reason to pick it.
      f.add_active(0, -1);
      f.add_active(1, 5);
      f.add_active(2, 5);
      counts = tally(picker, snap, 600);
      BOOST_TEST(counts[0] > 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(maxconn_counts_every_workers_connections) {
  Fixture f({1, 1}, conf::Balance::RoundRobin);
  f.set_maxconn(1, 2);
  runtime::bump(f.server(1).traffic().slot(0).active, 1);
  runtime::bump(f.server(1).traffic().slot(1).active, 1);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  auto counts = tally(picker, snap, 100);
  BOOST_TEST(counts[0] == 100);
}

BOOST_AUTO_TEST_CASE(leastconn_prefers_the_less_loaded) {
  Fixture f({1, 1, 1}, conf::Balance::LeastConn);
  f.add_active(0, 5);
  f.add_active(1, 2);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  BOOST_TEST(picker.pick(snap, 0, client(1), {}) == 2);
  f.add_active(2, 3);  // s2 now has 3, s1 has 2
  BOOST_TEST(picker.pick(snap, 0, client(2), {}) == 1);
  // Open each picked connection: loads even out, and never exceed the
  // least loaded by more than one.
  for (int i = 0; i < 30; ++i) {
    int s = picker.pick(snap, 0, client(i), {});
    BOOST_REQUIRE(s >= 0);
    f.add_active(s, 1);
  }
  int64_t lo = 1 << 30, hi = 0;
  for (int s = 0; s < 3; ++s) {
    lo = std::min(lo, f.server(s).traffic().active());
    hi = std::max(hi, f.server(s).traffic().active());
  }
  BOOST_TEST(hi - lo <= 1);
}

BOOST_AUTO_TEST_CASE(leastconn_weighs_load_by_weight) {
  Fixture f({4, 1}, conf::Balance::LeastConn);
  f.add_active(0, 6);  // (6+1)/4 = 1.75
  f.add_active(1, 1);  // (1+1)/1 = 2: fewer connections, but more per weight
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  BOOST_TEST(picker.pick(snap, 0, client(1), {}) == 0);
}

BOOST_AUTO_TEST_CASE(random_never_picks_an_ineligible_server) {
  // s0 fine, s1 down (not a candidate), s2 at maxconn, s3 excluded, s4 drained.
  Fixture f({1, 1, 1, 1, 1, 2}, conf::Balance::Random);
  f.server(1).set_up(false);
  f.set_maxconn(2, 1);
  f.add_active(2, 1);
  f.server(4).set_admin(runtime::AdminState::Drain);
  // The eligible ones are busier (same load per weight), so the full s2
  // would win every draw it is part of, were it eligible.
  f.add_active(0, 5);
  f.add_active(5, 10);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  const uint32_t tried[] = {3};
  auto counts = tally(picker, snap, 3000, tried);
  BOOST_TEST(counts[1] == 0);
  BOOST_TEST(counts[2] == 0);
  BOOST_TEST(counts[3] == 0);
  BOOST_TEST(counts[4] == 0);
  BOOST_TEST(counts[-1] == 0);
  // The two eligible ones both get picks, about by weight (1:2).
  BOOST_TEST(counts[0] > 600);
  BOOST_TEST(counts[5] > 1500);
  BOOST_TEST(counts[0] + counts[5] == 3000);
}

BOOST_AUTO_TEST_CASE(random_avoids_a_loaded_server) {
  Fixture f({1, 1}, conf::Balance::Random);
  f.add_active(0, 10);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  // With two servers both are always drawn: the less loaded one wins.
  auto counts = tally(picker, snap, 200);
  BOOST_TEST(counts[1] == 200);
}

BOOST_AUTO_TEST_CASE(source_same_client_same_server_on_any_worker) {
  Fixture f({1, 1, 1}, conf::Balance::Source);
  auto snap = f.snapshot();
  proxy::ServerPicker a(1), b(999);
  a.reset(snap);
  b.reset(snap);
  for (int i = 0; i < 500; ++i) {
    int first = a.pick(snap, 0, client(i), {});
    BOOST_REQUIRE(first >= 0);
    for (int again = 0; again < 3; ++again) BOOST_TEST(a.pick(snap, 0, client(i), {}) == first);
    BOOST_TEST(b.pick(snap, 0, client(i), {}) == first);  // another worker (or node) agrees
    // A new connection of the same client comes from another port.
    auto other_port = *base::SocketAddress::parse(client(i).host_string() + ":" + std::to_string(1024 + i));
    BOOST_TEST(a.pick(snap, 0, other_port, {}) == first);
  }
}

BOOST_AUTO_TEST_CASE(source_spreads_different_clients) {
  Fixture f({1, 1, 1}, conf::Balance::Source);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  auto counts = tally(picker, snap, 3000);
  for (int s = 0; s < 3; ++s) {
    BOOST_TEST_CONTEXT("server " << s) {
      BOOST_TEST(counts[s] > 800);   // a third is 1000
      BOOST_TEST(counts[s] < 1200);
    }
  }
}

BOOST_AUTO_TEST_CASE(source_a_server_going_down_moves_only_its_clients) {
  Fixture f({1, 1, 1}, conf::Balance::Source);
  auto before = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(before);
  constexpr int kClients = 3000;
  std::vector<int> owner(kClients);
  for (int i = 0; i < kClients; ++i) owner[i] = picker.pick(before, 0, client(i), {});

  f.server(1).set_up(false);
  auto after = f.snapshot();
  picker.reset(after);
  int moved_of_s1 = 0, clients_of_s1 = 0, moved_others = 0;
  for (int i = 0; i < kClients; ++i) {
    int now = picker.pick(after, 0, client(i), {});
    BOOST_REQUIRE(now >= 0);
    BOOST_TEST(now != 1);
    if (owner[i] == 1) {
      ++clients_of_s1;
      moved_of_s1 += now != 1;
    } else {
      moved_others += now != owner[i];
    }
  }
  BOOST_TEST(clients_of_s1 > 0);
  BOOST_TEST(moved_of_s1 == clients_of_s1);
  // Maglev's disruption is nearly minimal, not exactly: up to ~1% of the
  // table's slots may change owner among the survivors (maglev.h). Modulo
  // hashing would move about two thirds of everyone.
  BOOST_TEST_MESSAGE("clients of other servers that moved: " << moved_others << " of "
                                                             << kClients - clients_of_s1);
  BOOST_TEST(moved_others <= (kClients - clients_of_s1) / 100);

  // And when it comes back, its clients come back to it, the others stay.
  f.server(1).set_up(true);
  auto back = f.snapshot();
  picker.reset(back);
  int differs = 0;
  for (int i = 0; i < kClients; ++i) differs += picker.pick(back, 0, client(i), {}) != owner[i];
  BOOST_TEST(differs == 0);
}

BOOST_AUTO_TEST_CASE(source_owner_at_maxconn_falls_back_deterministically) {
  Fixture f({1, 1, 1}, conf::Balance::Source);
  f.set_maxconn(0, 1);
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  int c = 0;
  while (picker.pick(snap, 0, client(c), {}) != 0 && c < 1000) ++c;
  BOOST_REQUIRE(c < 1000);
  f.add_active(0, 1);
  int other = picker.pick(snap, 0, client(c), {});
  BOOST_TEST((other == 1 || other == 2));
  proxy::ServerPicker second(7);
  second.reset(snap);
  BOOST_TEST(second.pick(snap, 0, client(c), {}) == other);
}

BOOST_AUTO_TEST_CASE(sticky_first_pick_stores_later_picks_return_it) {
  Fixture f({1, 1, 1}, conf::Balance::RoundRobin);
  f.make_sticky();
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  const auto a = client(1);
  int first = picker.pick(snap, 0, a, {});
  BOOST_REQUIRE(first >= 0);
  BOOST_TEST(f.sticky().lookup(a.address_bytes()).value_or("") == "s" + std::to_string(first));
  // Round-robin alone would move on; the sticky client does not.
  for (int i = 0; i < 20; ++i) BOOST_TEST(picker.pick(snap, 0, a, {}) == first);
  // Other clients still rotate, and each is remembered.
  std::map<int, int> counts = tally(picker, snap, 30, {}, 1000);
  for (int s = 0; s < 3; ++s) BOOST_TEST(counts[s] == 10);
  BOOST_TEST(f.sticky().size() == 31u);
}

BOOST_AUTO_TEST_CASE(sticky_overrides_source_hashing_and_leastconn) {
  for (conf::Balance balance : {conf::Balance::LeastConn, conf::Balance::Source, conf::Balance::Random}) {
    BOOST_TEST_CONTEXT("balance " << conf::to_string(balance)) {
      Fixture f({1, 1, 1}, balance);
      f.make_sticky();
      auto snap = f.snapshot();
      proxy::ServerPicker picker(kSeed);
      picker.reset(snap);
      const auto a = client(5);
      int hashed = picker.pick(snap, 0, a, {});
      BOOST_REQUIRE(hashed >= 0);
      int other = (hashed + 1) % 3;
      f.sticky().store(a.address_bytes(), "s" + std::to_string(other));
      f.add_active(other, 50);  // even heavily loaded, the sticky server wins
      BOOST_TEST(picker.pick(snap, 0, a, {}) == other);
    }
  }
}

BOOST_AUTO_TEST_CASE(sticky_drained_server_keeps_its_clients) {
  Fixture f({1, 1, 1}, conf::Balance::RoundRobin);
  f.make_sticky();
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  const auto a = client(1);
  int first = picker.pick(snap, 0, a, {});
  BOOST_REQUIRE(first >= 0);
  f.server(first).set_admin(runtime::AdminState::Drain);
  snap = f.snapshot();
  picker.reset(snap);
  BOOST_TEST(picker.pick(snap, 0, a, {}) == first);
  // New clients never land on the draining server.
  auto counts = tally(picker, snap, 100, {}, 1000);
  BOOST_TEST(counts[first] == 0);
  BOOST_TEST(f.sticky().lookup(a.address_bytes()).value_or("") == "s" + std::to_string(first));
}

BOOST_AUTO_TEST_CASE(sticky_disabled_or_down_server_loses_its_clients) {
  for (bool disable : {true, false}) {
    BOOST_TEST_CONTEXT((disable ? "disabled" : "down")) {
      Fixture f({1, 1, 1}, conf::Balance::RoundRobin);
      f.make_sticky();
      auto snap = f.snapshot();
      proxy::ServerPicker picker(kSeed);
      picker.reset(snap);
      const auto a = client(1);
      int first = picker.pick(snap, 0, a, {});
      BOOST_REQUIRE(first >= 0);
      if (disable)
        f.server(first).set_admin(runtime::AdminState::Disabled);
      else
        f.server(first).set_up(false);
      // Even before the next snapshot: the sticky path reads the live state.
      int moved = picker.pick(snap, 0, a, {});
      if (disable) BOOST_TEST(moved != first);
      snap = f.snapshot();
      picker.reset(snap);
      moved = picker.pick(snap, 0, a, {});
      BOOST_TEST(moved >= 0);
      BOOST_TEST(moved != first);
      BOOST_TEST(f.sticky().lookup(a.address_bytes()).value_or("") == "s" + std::to_string(moved));
      // And it stays on its new server.
      for (int i = 0; i < 5; ++i) BOOST_TEST(picker.pick(snap, 0, a, {}) == moved);
    }
  }
}

BOOST_AUTO_TEST_CASE(sticky_entry_for_an_unknown_server_is_rebalanced) {
  Fixture f({1, 1}, conf::Balance::RoundRobin);
  f.make_sticky();
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  const auto a = client(3);
  f.sticky().store(a.address_bytes(), "gone");
  int s = picker.pick(snap, 0, a, {});
  BOOST_TEST((s == 0 || s == 1));
  BOOST_TEST(f.sticky().lookup(a.address_bytes()).value_or("") == "s" + std::to_string(s));
}

BOOST_AUTO_TEST_CASE(sticky_server_already_tried_is_not_returned) {
  Fixture f({1, 1}, conf::Balance::RoundRobin);
  f.make_sticky();
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  const auto a = client(1);
  int first = picker.pick(snap, 0, a, {});
  BOOST_REQUIRE(first >= 0);
  const uint32_t tried[] = {static_cast<uint32_t>(first)};
  int retry = picker.pick(snap, 0, a, tried);
  BOOST_TEST(retry >= 0);
  BOOST_TEST(retry != first);
}

BOOST_AUTO_TEST_CASE(backups_only_when_no_primary_is_up) {
  Fixture f({1, 1, 1}, conf::Balance::RoundRobin, 1);  // s2 is the backup
  auto snap = f.snapshot();
  proxy::ServerPicker picker(kSeed);
  picker.reset(snap);
  auto counts = tally(picker, snap, 300);
  BOOST_TEST(counts[2] == 0);
  BOOST_TEST(counts[0] == 150);

  f.server(0).set_up(false);  // one primary left: still no backup
  snap = f.snapshot();
  picker.reset(snap);
  counts = tally(picker, snap, 100);
  BOOST_TEST(counts[1] == 100);

  f.server(1).set_up(false);  // none left: the backup serves
  snap = f.snapshot();
  picker.reset(snap);
  counts = tally(picker, snap, 100);
  BOOST_TEST(counts[2] == 100);

  f.server(0).set_up(true);  // a primary is back: the backup is idle again
  snap = f.snapshot();
  picker.reset(snap);
  counts = tally(picker, snap, 100);
  BOOST_TEST(counts[0] == 100);
}

BOOST_AUTO_TEST_CASE(no_candidate_at_all_is_minus_one) {
  for (conf::Balance balance : kAllBalances) {
    BOOST_TEST_CONTEXT("balance " << conf::to_string(balance)) {
      Fixture f({1, 1}, balance);
      f.server(0).set_up(false);
      f.server(1).set_admin(runtime::AdminState::Disabled);
      auto snap = f.snapshot();
      proxy::ServerPicker picker(kSeed);
      picker.reset(snap);
      BOOST_TEST(picker.pick(snap, 0, client(1), {}) == -1);
    }
  }
}

// A session retries with the snapshot it started with while the worker has
// moved on (reset() with a newer one): the per-pool scratch must fit the
// older snapshot. This was a heap overflow.
BOOST_AUTO_TEST_CASE(picking_with_an_older_snapshot_stays_in_range) {
  for (conf::Balance balance : kAllBalances) {
    BOOST_TEST_CONTEXT("balance " << conf::to_string(balance)) {
      Fixture f({1, 2, 3, 4}, balance);
      auto old_snap = f.snapshot();  // 4 candidates
      for (int s = 0; s < 4; ++s) f.server(s).set_admin(runtime::AdminState::Disabled);
      auto empty = f.snapshot();  // 0 candidates
      BOOST_REQUIRE(empty.pools[0].candidates.empty());
      proxy::ServerPicker picker(kSeed);
      picker.reset(empty);
      for (int s = 0; s < 4; ++s) f.server(s).set_admin(runtime::AdminState::Enabled);
      for (int i = 0; i < 200; ++i) {
        int s = picker.pick(old_snap, 0, client(i), {});
        BOOST_TEST((s >= 0 && s < 4));
      }
      // The other way round: reset with more candidates, pick with fewer.
      f.server(3).set_up(false);
      f.server(2).set_up(false);
      auto smaller = f.snapshot();  // 2 candidates
      picker.reset(old_snap);
      for (int i = 0; i < 200; ++i) {
        int s = picker.pick(smaller, 0, client(i), {});
        BOOST_TEST((s == 0 || s == 1));
      }
      // And alternating, as sessions of both generations retry side by side.
      for (int i = 0; i < 200; ++i) {
        int s = picker.pick(i % 2 ? smaller : old_snap, 0, client(i), {});
        BOOST_TEST((s >= 0 && s < (i % 2 ? 2 : 4)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(picking_a_pool_the_reset_snapshot_does_not_have) {
  Fixture f({1, 1}, conf::Balance::RoundRobin);
  auto one_pool = f.snapshot();
  runtime::RuntimeSnapshot two_pools = one_pool;
  two_pools.pools.push_back(one_pool.pools[0]);  // an older snapshot had a second pool
  proxy::ServerPicker picker(kSeed);
  picker.reset(one_pool);
  auto counts = std::map<int, int>();
  for (int i = 0; i < 100; ++i) ++counts[picker.pick(two_pools, 1, client(i), {})];
  BOOST_TEST(counts[0] == 50);
  BOOST_TEST(counts[1] == 50);
  proxy::ServerPicker never_reset(kSeed);
  BOOST_TEST(never_reset.pick(one_pool, 0, client(1), {}) >= 0);
}

BOOST_AUTO_TEST_SUITE_END()
