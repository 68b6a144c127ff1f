#define BOOST_TEST_DYN_LINK
#include "daemon/tables/sticky_table.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using tandem::base::FakeClock;
using namespace tandem::tables;

namespace {

StickyOptions options(size_t max_entries, uint32_t node = 1) {
  StickyOptions o;
  o.ttl = 10s;
  o.max_entries = max_entries;
  o.node_id = node;
  return o;
}

StickyEntry remote(std::string key, std::string server, tandem::base::WallTime updated, uint32_t origin,
                   tandem::base::Millis remaining = 10s) {
  return StickyEntry{std::move(key), std::move(server), remaining, updated, origin, 0};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sticky_table)

BOOST_AUTO_TEST_CASE(store_then_lookup_and_miss) {
  FakeClock clock;
  StickyTable t(clock, options(100));
  BOOST_TEST(!t.lookup("10.0.0.1").has_value());
  t.store("10.0.0.1", "be1");
  t.store("10.0.0.2", "be2");
  BOOST_TEST(t.lookup("10.0.0.1").value_or("") == "be1");
  std::string buf = "junk";
  BOOST_TEST(t.lookup_into("10.0.0.2", &buf));
  BOOST_TEST(buf == "be2");
  BOOST_TEST(!t.lookup_into("10.0.0.3", &buf));
  BOOST_TEST(buf == "be2");
  t.store("10.0.0.1", "be3");  // overwrite
  BOOST_TEST(t.lookup("10.0.0.1").value_or("") == "be3");
  BOOST_TEST(t.size() == 2u);
}

BOOST_AUTO_TEST_CASE(entries_expire_ttl_after_last_use) {
  FakeClock clock;
  StickyTable t(clock, options(100));
  t.store("a", "be1");
  t.store("b", "be1");
  clock.advance(9s);
  BOOST_TEST(t.lookup("a").has_value());  // refreshes a, not b
  clock.advance(9s);
  BOOST_TEST(t.lookup("a").has_value());
  BOOST_TEST(!t.lookup("b").has_value());  // 18 s since its store
  BOOST_TEST(t.size() == 1u);               // the expired entry went on the miss
  clock.advance(10s);
  BOOST_TEST(!t.lookup("a").has_value());
  BOOST_TEST(t.size() == 0u);
}

BOOST_AUTO_TEST_CASE(store_of_same_value_refreshes) {
  FakeClock clock;
  StickyTable t(clock, options(100));
  t.store("a", "be1");
  clock.advance(8s);
  t.store("a", "be1");
  clock.advance(8s);
  BOOST_TEST(t.lookup("a").value_or("") == "be1");
}

BOOST_AUTO_TEST_CASE(bound_evicts_least_recently_used) {
  FakeClock clock;
  StickyTable t(clock, options(3));
  t.store("a", "s");
  t.store("b", "s");
  t.store("c", "s");
  BOOST_TEST(t.lookup("a").has_value());  // now b is the oldest
  t.store("d", "s");
  BOOST_TEST(t.size() == 3u);
  BOOST_TEST(!t.lookup("b").has_value());
  BOOST_TEST(t.lookup("a").has_value());
  BOOST_TEST(t.lookup("c").has_value());
  BOOST_TEST(t.lookup("d").has_value());
}

BOOST_AUTO_TEST_CASE(bound_holds_for_a_sharded_table) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  for (int i = 0; i < 5000; ++i) {
    t.store("client" + std::to_string(i), "be");
    BOOST_REQUIRE(t.size() <= 1000u);
  }
  BOOST_TEST(t.size() == 1000u);
  BOOST_TEST(t.lookup("client4999").has_value());
  BOOST_TEST(!t.lookup("client0").has_value());
}

BOOST_AUTO_TEST_CASE(erase_server_drops_its_entries) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  for (int i = 0; i < 30; ++i) t.store("k" + std::to_string(i), i % 3 == 0 ? "gone" : "kept");
  BOOST_TEST(t.erase_server("gone") == 10u);
  BOOST_TEST(t.size() == 20u);
  BOOST_TEST(!t.lookup("k0").has_value());
  BOOST_TEST(t.lookup("k1").value_or("") == "kept");
  BOOST_TEST(t.erase_server("gone") == 0u);
}

BOOST_AUTO_TEST_CASE(expire_sweeps_with_a_bound) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  for (int i = 0; i < 10; ++i) t.store("old" + std::to_string(i), "be");
  clock.advance(6s);
  t.store("young", "be");
  BOOST_TEST(t.expire() == 0u);
  clock.advance(5s);
  BOOST_TEST(t.expire(4) == 4u);
  BOOST_TEST(t.size() == 7u);
  BOOST_TEST(t.expire() == 6u);
  BOOST_TEST(t.size() == 1u);
  BOOST_TEST(t.lookup("young").has_value());
}

BOOST_AUTO_TEST_CASE(snapshot_shows_newest_first_with_metadata) {
  FakeClock clock;
  StickyTable t(clock, options(1000, 7));
  const auto t0 = clock.wall_now();
  t.store("a", "be1");
  clock.advance(1s);
  t.store("b", "be2");
  clock.advance(2s);
  t.store("c", "be3");
  const auto snap = t.snapshot(2);
  BOOST_REQUIRE(snap.size() == 2u);
  BOOST_TEST(snap[0].key == "c");
  BOOST_TEST(snap[1].key == "b");
  BOOST_TEST(snap[1].server == "be2");
  BOOST_TEST(snap[1].remaining_ttl.count() == 8000);
  BOOST_TEST((snap[1].updated == t0 + 1s));
  BOOST_TEST(snap[1].origin == 7u);
  BOOST_TEST(snap[0].seq > snap[1].seq);
  clock.advance(8500ms);  // a and b expired, not yet swept
  BOOST_TEST(t.snapshot(10).size() == 1u);
}

BOOST_AUTO_TEST_CASE(change_log_lists_each_changed_entry_once) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  BOOST_TEST(t.last_seq() == 0u);
  t.store("a", "be1");
  t.store("b", "be1");
  t.store("a", "be2");
  t.store("a", "be3");
  auto batch = t.changes_since(0, 100, ChangeScope::Local);
  BOOST_REQUIRE(batch.entries.size() == 2u);
  BOOST_TEST(batch.entries[0].key == "b");
  BOOST_TEST(batch.entries[1].key == "a");
  BOOST_TEST(batch.entries[1].server == "be3");
  BOOST_TEST(batch.cursor == t.last_seq());
  BOOST_TEST(t.changes_since(batch.cursor, 100, ChangeScope::Local).entries.empty());
  t.lookup("b");  // a hit soon after a write is not a change
  t.store("b", "be1");  // nor is storing the same value
  BOOST_TEST(t.changes_since(batch.cursor, 100, ChangeScope::Local).entries.empty());
  t.store("c", "be1");
  const auto next = t.changes_since(batch.cursor, 100, ChangeScope::Local);
  BOOST_REQUIRE(next.entries.size() == 1u);
  BOOST_TEST(next.entries[0].key == "c");
}

BOOST_AUTO_TEST_CASE(change_log_batches_lose_nothing) {
  // 16 shards, and 1 shard (where one shard alone fills a whole batch).
  for (size_t max : {size_t{10000}, size_t{300}}) {
    FakeClock clock;
    StickyTable t(clock, options(max));
    for (int i = 0; i < 300; ++i) t.store("k" + std::to_string(i), "be");
    for (int i = 0; i < 300; i += 3) t.store("k" + std::to_string(i), "be2");  // reorder some
    std::set<std::string> seen;
    uint64_t cursor = 0, last = 0;
    for (int round = 0; round < 200; ++round) {
      const auto batch = t.changes_since(cursor, 7, ChangeScope::Local);
      if (batch.entries.empty()) break;
      BOOST_REQUIRE(batch.entries.size() <= 7u);
      for (const auto& e : batch.entries) {
        BOOST_REQUIRE(e.seq > last);  // ascending, across batches too
        last = e.seq;
        BOOST_REQUIRE(seen.insert(e.key).second);
      }
      cursor = batch.cursor;
    }
    BOOST_TEST_INFO("max_entries " << max);
    BOOST_TEST(seen.size() == 300u);
    BOOST_TEST(cursor == t.last_seq());
  }
}

BOOST_AUTO_TEST_CASE(apply_remote_is_last_writer_wins_and_not_republished) {
  FakeClock clock;
  StickyTable t(clock, options(1000, 1));
  t.store("a", "local");
  const uint64_t cursor = t.last_seq();
  const auto now = clock.wall_now();

  BOOST_TEST(!t.apply_remote(remote("a", "old", now - 1s, 2)));  // older: ignored
  BOOST_TEST(t.lookup("a").value_or("") == "local");
  BOOST_TEST(t.apply_remote(remote("a", "peer", now + 1s, 2)));  // newer: applied
  BOOST_TEST(t.lookup("a").value_or("") == "peer");
  BOOST_TEST(t.apply_remote(remote("b", "peer", now, 2)));       // new key
  BOOST_TEST(t.changes_since(cursor, 100, ChangeScope::Local).entries.empty());
  const auto all = t.changes_since(cursor, 100, ChangeScope::All);
  BOOST_TEST(all.entries.size() == 2u);
  BOOST_TEST(all.entries[0].origin == 2u);

  // Equal stamps: the higher origin id wins, on both nodes alike.
  BOOST_TEST(!t.apply_remote(remote("a", "peer1", now + 1s, 1)));
  BOOST_TEST(t.apply_remote(remote("a", "peer3", now + 1s, 3)));
  BOOST_TEST(!t.apply_remote(remote("a", "peer3", now + 1s, 3)));  // an echo

  clock.advance(2s);  // a local write after that is newer and published
  t.store("a", "mine");
  const auto local = t.changes_since(cursor, 100, ChangeScope::Local);
  BOOST_REQUIRE(local.entries.size() == 1u);
  BOOST_TEST(local.entries[0].server == "mine");
  BOOST_TEST(local.entries[0].origin == 1u);
}

BOOST_AUTO_TEST_CASE(apply_remote_takes_the_shorter_ttl_and_ignores_garbage) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  BOOST_TEST(t.apply_remote(remote("a", "be", clock.wall_now(), 2, 3s)));
  BOOST_TEST(t.apply_remote(remote("b", "be", clock.wall_now(), 2, 60s)));
  BOOST_TEST(!t.apply_remote(remote("c", "be", clock.wall_now(), 2, 0s)));
  BOOST_TEST(!t.apply_remote(remote("", "be", clock.wall_now(), 2)));
  BOOST_TEST(!t.apply_remote(remote("d", "", clock.wall_now(), 2)));
  clock.advance(4s);
  BOOST_TEST(!t.lookup("a").has_value());
  clock.advance(7s);  // 11 s: b's 60 s were capped at the local ttl of 10 s
  BOOST_TEST(!t.lookup("b").has_value());
}

BOOST_AUTO_TEST_CASE(hits_republish_at_most_every_quarter_ttl) {
  FakeClock clock;
  StickyTable t(clock, options(1000, 1));
  t.store("a", "be1");
  const uint64_t first = t.last_seq();
  clock.advance(2s);
  t.lookup("a");
  BOOST_TEST(t.last_seq() == first);  // 2 s < 10 s / 4
  clock.advance(600ms);
  t.lookup("a");
  BOOST_TEST(t.last_seq() > first);
  const auto batch = t.changes_since(first, 10, ChangeScope::Local);
  BOOST_REQUIRE(batch.entries.size() == 1u);
  BOOST_TEST(batch.entries[0].remaining_ttl.count() == 10000);

  // An entry learned from the peer is republished by hits here too (after a
  // failover this node serves it), but not at once.
  BOOST_TEST(t.apply_remote(remote("r", "be2", clock.wall_now() + 1h, 2)));
  const uint64_t after_apply = t.last_seq();
  t.lookup("r");
  BOOST_TEST(t.last_seq() == after_apply);
  clock.advance(3s);
  t.lookup("r");
  const auto r = t.changes_since(after_apply, 10, ChangeScope::Local);
  BOOST_REQUIRE(r.entries.size() == 1u);
  BOOST_TEST(r.entries[0].origin == 1u);
}

BOOST_AUTO_TEST_CASE(threads_hammering_store_and_lookup) {
  FakeClock clock;
  StickyTable t(clock, options(1000));
  constexpr int kThreads = 4;
  constexpr int kOps = 20000;
  std::atomic<int> wrong{0};
  std::atomic<int> oversized{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int id = 0; id < kThreads; ++id) {
    threads.emplace_back([&, id] {
      std::string buf;
      for (int i = 0; i < kOps; ++i) {
        const std::string key = "c" + std::to_string((i * 7 + id * 13) % 2000);
        if (t.lookup_into(key, &buf)) {
          if (buf != "be-" + key) ++wrong;
        } else {
          t.store(key, "be-" + key);
        }
        if (i % 1000 == 0) clock.advance(1s);
      }
    });
  }
  std::thread reader([&] {
    uint64_t cursor = 0;
    for (int i = 0; i < 2000 && !done.load(); ++i) {
      if (t.snapshot(50).size() > 50u) ++oversized;  // no Boost.Test off the main thread
      cursor = t.changes_since(cursor, 64, ChangeScope::All).cursor;
      t.expire(100);
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(oversized.load() == 0);
  BOOST_TEST(t.size() <= 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
