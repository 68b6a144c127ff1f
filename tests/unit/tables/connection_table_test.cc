#define BOOST_TEST_DYN_LINK
#include "daemon/tables/connection_table.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using tandem::base::FakeClock;
using tandem::base::SocketAddress;
using namespace tandem::tables;

namespace {

ConnectionInfo info(int n, std::string frontend = "web", std::string pool = "app") {
  return ConnectionInfo{*SocketAddress::parse("10.1.0." + std::to_string(n % 250) + ":40000"), std::move(frontend),
                        std::move(pool)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_table)

BOOST_AUTO_TEST_CASE(add_set_server_remove_and_snapshot) {
  FakeClock clock;
  ConnectionTable t(clock, 2);
  const auto wall0 = clock.wall_now();
  ConnectionEntry* a = t.add(0, info(1));
  clock.advance(1500ms);
  ConnectionEntry* b = t.add(1, info(2, "api", "backend"));
  BOOST_TEST(t.size() == 2u);
  BOOST_TEST(a->id() != b->id());
  BOOST_TEST(b->worker() == 1u);
  t.set_server(a, "be1");
  a->add_bytes_to_server(100);
  a->add_bytes_to_server(20);
  a->add_bytes_to_client(5000);
  clock.advance(500ms);

  const auto snap = t.snapshot(10);
  BOOST_REQUIRE(snap.size() == 2u);
  BOOST_TEST(snap[0].id == a->id());
  BOOST_TEST(snap[0].client.to_string() == "10.1.0.1:40000");
  BOOST_TEST(snap[0].frontend == "web");
  BOOST_TEST(snap[0].pool == "app");
  BOOST_TEST(snap[0].server == "be1");
  BOOST_TEST((snap[0].started == wall0));
  BOOST_TEST(snap[0].age.count() == 2000);
  BOOST_TEST(snap[0].bytes_to_server == 120u);
  BOOST_TEST(snap[0].bytes_to_client == 5000u);
  BOOST_TEST(snap[1].frontend == "api");
  BOOST_TEST(snap[1].server.empty());
  BOOST_TEST(snap[1].age.count() == 500);
  BOOST_TEST(t.snapshot(1).size() == 1u);

  t.remove(a);
  BOOST_TEST(t.size() == 1u);
  BOOST_REQUIRE(t.snapshot(10).size() == 1u);
  BOOST_TEST(t.snapshot(10)[0].id == b->id());
  t.remove(b);
  BOOST_TEST(t.size() == 0u);
  BOOST_TEST(t.snapshot(10).empty());
}

BOOST_AUTO_TEST_CASE(pointers_stay_valid_while_others_come_and_go) {
  FakeClock clock;
  ConnectionTable t(clock, 3);
  std::vector<ConnectionEntry*> live;
  std::set<uint64_t> ids;
  for (int i = 0; i < 600; ++i) {
    live.push_back(t.add(static_cast<unsigned>(i % 3), info(i)));
    BOOST_REQUIRE(ids.insert(live.back()->id()).second);  // unique
  }
  std::vector<ConnectionEntry*> kept;
  for (size_t i = 0; i < live.size(); ++i) {
    if (i % 2) t.remove(live[i]); else kept.push_back(live[i]);
  }
  for (int i = 0; i < 100; ++i) t.remove(t.add(1, info(i)));
  BOOST_TEST(t.size() == 300u);
  std::set<uint64_t> snap_ids;
  for (const auto& s : t.snapshot(1000)) snap_ids.insert(s.id);
  std::set<uint64_t> kept_ids;
  for (ConnectionEntry* e : kept) {
    e->add_bytes_to_client(1);  // still ours to touch
    kept_ids.insert(e->id());
  }
  BOOST_TEST((snap_ids == kept_ids));
  for (ConnectionEntry* e : kept) t.remove(e);
  BOOST_TEST(t.size() == 0u);
}

BOOST_AUTO_TEST_CASE(out_of_range_worker_is_folded_in) {
  FakeClock clock;
  ConnectionTable t(clock, 0);
  BOOST_TEST(t.workers() == 1u);
  ConnectionEntry* e = t.add(5, info(1));
  BOOST_TEST(e->worker() == 0u);
  t.remove(e);
}

BOOST_AUTO_TEST_CASE(change_log_is_off_by_default) {
  FakeClock clock;
  ConnectionTable t(clock, 2);
  ConnectionEntry* e = t.add(0, info(1));
  t.set_server(e, "be1");
  t.remove(e);
  BOOST_TEST(t.last_seq() == 0u);
  const auto batch = t.changes_since(0, 10);
  BOOST_TEST(batch.changes.empty());
  BOOST_TEST(!batch.complete);
}

BOOST_AUTO_TEST_CASE(change_log_records_add_server_change_and_remove) {
  FakeClock clock;
  ConnectionTable t(clock, 2);
  t.set_change_log_capacity(16);
  const uint64_t start = t.last_seq();
  ConnectionEntry* e = t.add(1, info(7));
  const uint64_t id = e->id();
  t.set_server(e, "be1");
  t.set_server(e, "be1");  // no change, no record
  t.set_server(e, "be2");
  e->add_bytes_to_server(42);
  t.remove(e);
  const auto batch = t.changes_since(start, 10);
  BOOST_TEST(batch.complete);
  BOOST_REQUIRE(batch.changes.size() == 4u);
  const ConnectionChangeKind want[] = {ConnectionChangeKind::Added, ConnectionChangeKind::ServerChanged,
                                       ConnectionChangeKind::ServerChanged, ConnectionChangeKind::Removed};
  for (size_t i = 0; i < 4; ++i) {
    BOOST_TEST(to_string(batch.changes[i].kind) == to_string(want[i]));
    BOOST_TEST(batch.changes[i].conn.id == id);
  }
  BOOST_TEST(batch.changes[0].conn.server.empty());
  BOOST_TEST(batch.changes[2].conn.server == "be2");
  BOOST_TEST(batch.changes[3].conn.bytes_to_server == 42u);
  BOOST_TEST(batch.cursor == t.last_seq());
  const auto again = t.changes_since(batch.cursor, 10);
  BOOST_TEST(again.changes.empty());
  BOOST_TEST(again.complete);
}

BOOST_AUTO_TEST_CASE(change_log_overflow_says_incomplete) {
  FakeClock clock;
  ConnectionTable t(clock, 1);
  t.set_change_log_capacity(4);
  const uint64_t start = t.last_seq();
  for (int i = 0; i < 3; ++i) t.remove(t.add(0, info(i)));  // 6 records, 4 kept
  const auto batch = t.changes_since(start, 10);
  BOOST_TEST(!batch.complete);
  BOOST_TEST(batch.changes.size() == 4u);
  // A reader that kept up loses nothing.
  const auto recent = t.changes_since(batch.changes[0].seq, 10);
  BOOST_TEST(recent.complete);
  BOOST_TEST(recent.changes.size() == 3u);
  // Re-enabling drops history: an older cursor is told so.
  t.set_change_log_capacity(4);
  BOOST_TEST(!t.changes_since(start, 10).complete);
  BOOST_TEST(t.changes_since(t.last_seq(), 10).complete);
}

BOOST_AUTO_TEST_CASE(change_log_batches_lose_nothing) {
  for (unsigned workers : {1u, 4u}) {
    FakeClock clock;
    ConnectionTable t(clock, workers);
    t.set_change_log_capacity(1000);
    std::vector<ConnectionEntry*> live;
    for (int i = 0; i < 200; ++i) live.push_back(t.add(static_cast<unsigned>(i) % workers, info(i)));
    for (int i = 0; i < 200; i += 2) t.remove(live[static_cast<size_t>(i)]);
    std::set<uint64_t> seqs;
    uint64_t cursor = 0, last = 0;
    for (int round = 0; round < 200; ++round) {
      const auto batch = t.changes_since(cursor, 9);
      BOOST_REQUIRE(batch.complete);
      if (batch.changes.empty()) break;
      BOOST_REQUIRE(batch.changes.size() <= 9u);
      for (const auto& c : batch.changes) {
        BOOST_REQUIRE(c.seq > last);
        last = c.seq;
        seqs.insert(c.seq);
      }
      cursor = batch.cursor;
    }
    BOOST_TEST_INFO("workers " << workers);
    BOOST_TEST(seqs.size() == 300u);
    BOOST_TEST(cursor == t.last_seq());
    for (int i = 1; i < 200; i += 2) t.remove(live[static_cast<size_t>(i)]);
  }
}

BOOST_AUTO_TEST_CASE(workers_add_and_remove_while_status_reads) {
  FakeClock clock;
  constexpr unsigned kWorkers = 4;
  constexpr int kConns = 5000;
  ConnectionTable t(clock, kWorkers);
  t.set_change_log_capacity(256);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      std::vector<ConnectionEntry*> open;
      for (int i = 0; i < kConns; ++i) {
        ConnectionEntry* e = t.add(w, info(i));
        t.set_server(e, i % 2 ? "be1" : "be2");
        e->add_bytes_to_server(10);
        open.push_back(e);
        if (open.size() > 20) {  // keep a few open, close the oldest
          if (open.front()->worker() != w) ++bad;
          t.remove(open.front());
          open.erase(open.begin());
        }
      }
      for (ConnectionEntry* e : open) t.remove(e);
    });
  }
  std::thread status([&] {
    uint64_t cursor = 0;
    for (int i = 0; i < 3000 && !done.load(); ++i) {
      const auto snap = t.snapshot(64);
      if (snap.size() > 64) ++bad;
      for (const auto& s : snap) {
        if (s.frontend != "web" || s.worker >= kWorkers) ++bad;
      }
      cursor = t.changes_since(cursor, 32).cursor;
    }
  });
  for (auto& th : workers) th.join();
  done = true;
  status.join();
  BOOST_TEST(bad.load() == 0);
  BOOST_TEST(t.size() == 0u);
  BOOST_TEST(t.snapshot(10).empty());
}

BOOST_AUTO_TEST_SUITE_END()
