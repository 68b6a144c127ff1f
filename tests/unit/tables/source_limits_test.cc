#define BOOST_TEST_DYN_LINK
#include "daemon/tables/source_limits.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using tandem::base::FakeClock;
using namespace tandem::tables;

namespace {

SourceLimitsOptions limits(uint32_t conns, double conn_rate, double req_rate, size_t entries = 1000) {
  SourceLimitsOptions o;
  o.max_connections = conns;
  o.connection_rate = conn_rate;
  o.request_rate = req_rate;
  o.max_entries = entries;
  return o;
}

// Four address bytes, as SocketAddress::address_bytes() gives for IPv4.
std::string ip(uint32_t n) {
  return std::string{static_cast<char>(10), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                     static_cast<char>(n)};
}

int admitted_requests(SourceLimits& t, const std::string& source, int attempts) {
  int ok = 0;
  for (int i = 0; i < attempts; ++i) ok += t.admit_request(source) ? 1 : 0;
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(source_limits)

BOOST_AUTO_TEST_CASE(no_limits_admit_everything_and_track_nothing) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 0));
  BOOST_TEST(!t.options().any());
  for (int i = 0; i < 100; ++i) {
    BOOST_TEST(t.admit_connection(ip(1)));
    BOOST_TEST(t.admit_request(ip(1)));
  }
  t.connection_closed(ip(1));
  BOOST_TEST(t.size() == 0u);
  BOOST_TEST(t.refused_connections() == 0u);
  BOOST_TEST(t.refused_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(request_burst_is_one_second_of_rate) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 10));
  BOOST_TEST(admitted_requests(t, ip(1), 25) == 10);
  BOOST_TEST(t.refused_requests() == 15u);
  // Another source has its own bucket.
  BOOST_TEST(admitted_requests(t, ip(2), 25) == 10);
  BOOST_TEST(t.size() == 2u);
}

BOOST_AUTO_TEST_CASE(requests_refill_continuously) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 10));
  BOOST_TEST(admitted_requests(t, ip(1), 10) == 10);
  BOOST_TEST(!t.admit_request(ip(1)));
  clock.advance(50ms);  // half a token
  BOOST_TEST(!t.admit_request(ip(1)));
  clock.advance(50ms);  // one token
  BOOST_TEST(t.admit_request(ip(1)));
  BOOST_TEST(!t.admit_request(ip(1)));
  clock.advance(350ms);  // 3.5 tokens
  BOOST_TEST(admitted_requests(t, ip(1), 10) == 3);
  clock.advance(1h);  // never more than the capacity
  BOOST_TEST(admitted_requests(t, ip(1), 100) == 10);
}

BOOST_AUTO_TEST_CASE(rate_below_one_has_a_burst_of_one) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0.5, 0.5));
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(!t.admit_connection(ip(1)));
  BOOST_TEST(admitted_requests(t, ip(1), 5) == 1);
  clock.advance(1s);
  BOOST_TEST(!t.admit_connection(ip(1)));
  BOOST_TEST(admitted_requests(t, ip(1), 5) == 0);
  clock.advance(1s);
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(admitted_requests(t, ip(1), 5) == 1);
}

BOOST_AUTO_TEST_CASE(connection_rate_limits_new_connections) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 5, 0));
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += t.admit_connection(ip(1)) ? 1 : 0;
  BOOST_TEST(ok == 5);
  BOOST_TEST(t.refused_connections() == 15u);
  clock.advance(200ms);
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(!t.admit_connection(ip(1)));
  // Without a concurrency limit, closing counts nothing.
  t.connection_closed(ip(1));
  BOOST_TEST(t.find(ip(1))->connections == 0u);
}

BOOST_AUTO_TEST_CASE(concurrency_is_counted_until_closed) {
  FakeClock clock;
  SourceLimits t(clock, limits(3, 0, 0));
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(!t.admit_connection(ip(1)));
  BOOST_TEST(t.admit_connection(ip(2)));  // another source is not affected
  BOOST_TEST(t.find(ip(1))->connections == 3u);
  t.connection_closed(ip(1));
  BOOST_TEST(t.admit_connection(ip(1)));
  BOOST_TEST(!t.admit_connection(ip(1)));
  for (int i = 0; i < 3; ++i) t.connection_closed(ip(1));
  BOOST_TEST(t.find(ip(1))->connections == 0u);
  t.connection_closed(ip(1));  // one too many: never below zero
  BOOST_TEST(t.find(ip(1))->connections == 0u);
  BOOST_TEST(t.refused_connections() == 2u);
}

BOOST_AUTO_TEST_CASE(refused_for_concurrency_takes_no_rate_token) {
  FakeClock clock;
  SourceLimits t(clock, limits(1, 2, 0));
  BOOST_TEST(t.admit_connection(ip(1)));
  for (int i = 0; i < 10; ++i) BOOST_TEST(!t.admit_connection(ip(1)));
  BOOST_TEST(t.find(ip(1))->connection_tokens == 1.0);
  t.connection_closed(ip(1));
  BOOST_TEST(t.admit_connection(ip(1)));  // the second token of the burst
  t.connection_closed(ip(1));
  BOOST_TEST(!t.admit_connection(ip(1)));  // rate: no token left
  BOOST_TEST(t.find(ip(1))->connections == 0u);
}

BOOST_AUTO_TEST_CASE(table_is_bounded_least_recently_seen_out) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 1, 3));  // one shard: exact order
  for (uint32_t i = 1; i <= 3; ++i) BOOST_TEST(t.admit_request(ip(i)));
  BOOST_TEST(!t.admit_request(ip(1)));  // seen again: now the most recent
  BOOST_TEST(t.admit_request(ip(4)));   // evicts ip(2)
  BOOST_TEST(t.size() == 3u);
  BOOST_TEST(t.find(ip(1)).has_value());
  BOOST_TEST(!t.find(ip(2)).has_value());
  BOOST_TEST(t.find(ip(3)).has_value());
  BOOST_TEST(t.admit_request(ip(2)));  // forgotten: a full bucket again
  BOOST_TEST(!t.find(ip(3)).has_value());
}

BOOST_AUTO_TEST_CASE(sources_with_open_connections_are_evicted_last) {
  FakeClock clock;
  SourceLimits t(clock, limits(2, 0, 0, 3));
  BOOST_TEST(t.admit_connection(ip(1)));  // busy, the least recently seen
  BOOST_TEST(t.admit_connection(ip(2)));
  t.connection_closed(ip(2));             // idle
  BOOST_TEST(t.admit_connection(ip(3)));  // busy
  BOOST_TEST(t.admit_connection(ip(4)));  // evicts ip(2), the only idle one
  BOOST_TEST(t.find(ip(1))->connections == 1u);
  BOOST_TEST(!t.find(ip(2)).has_value());
  BOOST_TEST(t.evicted_busy() == 0u);
  // All busy: the least recently seen busy entry has to go.
  BOOST_TEST(t.admit_connection(ip(5)));
  BOOST_TEST(!t.find(ip(1)).has_value());
  BOOST_TEST(t.evicted_busy() == 1u);
  BOOST_TEST(t.size() == 3u);
  t.connection_closed(ip(1));  // its count is gone: ignored
  BOOST_TEST(!t.find(ip(1)).has_value());
}

BOOST_AUTO_TEST_CASE(large_tables_stay_within_bound) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 5, 5000));  // several shards
  for (uint32_t i = 0; i < 20000; ++i) t.admit_request(ip(i));
  BOOST_TEST(t.size() <= 5000u);
  BOOST_TEST(t.size() >= 4900u);  // shards fill about evenly
  BOOST_TEST(t.refused_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(ipv6_and_ipv4_sources_are_distinct_keys) {
  FakeClock clock;
  SourceLimits t(clock, limits(1, 0, 0));
  const std::string v6(16, '\x01');
  const std::string v4(4, '\x01');
  BOOST_TEST(t.admit_connection(v6));
  BOOST_TEST(t.admit_connection(v4));
  BOOST_TEST(!t.admit_connection(v6));
}

BOOST_AUTO_TEST_CASE(two_threads_keep_counts_consistent) {
  FakeClock clock;
  SourceLimits t(clock, limits(1000000, 0, 0, 512));
  constexpr int kRounds = 20000;
  auto work = [&](uint32_t base) {
    for (int i = 0; i < kRounds; ++i) {
      const std::string s = ip(base + static_cast<uint32_t>(i % 64));
      if (t.admit_connection(s)) t.connection_closed(s);
      t.admit_request(s);
    }
  };
  // Overlapping sources, so both threads contend on the same entries.
  std::thread a(work, 0);
  std::thread b(work, 32);
  a.join();
  b.join();
  BOOST_TEST(t.refused_connections() == 0u);
  BOOST_TEST(t.size() == 96u);
  for (uint32_t i = 0; i < 96; ++i) BOOST_TEST(t.find(ip(i))->connections == 0u);
}

// Replication (issue 5): a source that used up its tokens on one node is
// limited on the other once the entry is applied there.
BOOST_AUTO_TEST_CASE(an_exhausted_source_stays_limited_on_the_peer) {
  FakeClock clock;
  SourceLimitsOptions o = limits(0, 0, 10);
  o.node_id = 1;
  SourceLimits a(clock, o);
  o.node_id = 2;
  SourceLimits b(clock, o);
  a.follow();
  b.follow();
  BOOST_TEST(admitted_requests(a, ip(7), 20) == 10);
  auto changes = a.changes_since(0, 100, ChangeScope::Local);
  BOOST_REQUIRE(changes.entries.size() == 1u);  // 20 calls, one entry: coalesced
  BOOST_TEST(changes.cursor == a.last_seq());
  BOOST_TEST(changes.entries[0].request_tokens < 1.0);
  BOOST_TEST(b.apply_remote(changes.entries[0]));
  // An applied entry is not b's own change: never sent back...
  BOOST_TEST(b.changes_since(0, 100, ChangeScope::Local).entries.empty());
  BOOST_TEST(b.changes_since(0, 100, ChangeScope::All).entries.size() == 1u);
  BOOST_TEST(!b.admit_request(ip(7)));  // limited on b too
  BOOST_TEST(b.admit_request(ip(8)));   // another source is not
  // ... until the source shows up on b: then b's view is the newest.
  BOOST_TEST(b.changes_since(0, 100, ChangeScope::Local).entries.size() == 2u);
  // The bucket refills on b's clock from there.
  clock.advance(1s);
  BOOST_TEST(admitted_requests(b, ip(7), 20) == 10);
}

BOOST_AUTO_TEST_CASE(an_older_remote_entry_does_not_replace_a_newer_local_one) {
  FakeClock clock;
  SourceLimitsOptions o = limits(0, 0, 10);
  o.node_id = 1;
  SourceLimits a(clock, o);
  a.follow();
  BOOST_TEST(a.admit_request(ip(1)));
  SourceEntry stale = *a.find(ip(1));
  stale.request_tokens = 0;
  stale.updated -= 1ms;
  BOOST_TEST(!a.apply_remote(stale));
  BOOST_TEST(a.admit_request(ip(1)));
  SourceEntry tie = *a.find(ip(1));
  tie.request_tokens = 0;
  tie.origin = 0;  // same stamp, smaller origin: loses
  BOOST_TEST(!a.apply_remote(tie));
  tie.origin = 2;  // same stamp, greater origin: wins
  BOOST_TEST(a.apply_remote(tie));
  BOOST_TEST(!a.admit_request(ip(1)));
}

// The change log is off until followed: nothing is logged before, the
// sources seen so far are logged when it starts, then every change.
BOOST_AUTO_TEST_CASE(the_change_log_starts_when_followed) {
  FakeClock clock;
  SourceLimits t(clock, limits(0, 0, 10));
  BOOST_TEST(t.admit_request(ip(1)));
  BOOST_TEST(t.admit_request(ip(2)));
  BOOST_TEST(t.last_seq() == 0u);
  BOOST_TEST(t.changes_since(0, 100, ChangeScope::All).entries.empty());
  t.follow();
  BOOST_TEST(t.last_seq() == 2u);
  auto first = t.changes_since(0, 100, ChangeScope::Local);
  BOOST_TEST(first.entries.size() == 2u);
  t.follow();  // again: nothing changes
  BOOST_TEST(t.last_seq() == 2u);
  BOOST_TEST(t.admit_request(ip(1)));
  auto next = t.changes_since(first.cursor, 100, ChangeScope::Local);
  BOOST_REQUIRE(next.entries.size() == 1u);
  BOOST_TEST((next.entries[0].source == ip(1)));
  BOOST_TEST(next.entries[0].request_tokens < 9.5);
}

BOOST_AUTO_TEST_SUITE_END()
