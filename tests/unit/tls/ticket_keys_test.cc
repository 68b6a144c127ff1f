#define BOOST_TEST_DYN_LINK
#include "daemon/tls/ticket_keys.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "base/clock.h"

using tandem::base::FakeClock;
using tandem::tls::TicketKey;
using tandem::tls::TicketKeys;
using namespace std::chrono_literals;

namespace {

bool same_key(const TicketKey& a, const TicketKey& b) {
  return a.name == b.name && a.aes == b.aes && a.hmac == b.hmac && a.created_ms == b.created_ms;
}

uint64_t wall_ms(const FakeClock& clock) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall_now().time_since_epoch()).count());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ticket_keys)

BOOST_AUTO_TEST_CASE(current_is_stable_within_the_period) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  TicketKey first = keys.current();
  BOOST_TEST((first.created_ms == wall_ms(clock)));
  clock.advance(59s);
  BOOST_TEST(same_key(keys.current(), first));
  clock.advance(999ms);
  BOOST_TEST(same_key(keys.current(), first));
  BOOST_TEST(keys.size() == 1u);
}

BOOST_AUTO_TEST_CASE(current_rotates_after_rotate_every) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  TicketKey first = keys.current();
  clock.advance(60s);
  TicketKey second = keys.current();
  BOOST_TEST(!same_key(second, first));
  BOOST_TEST((second.name != first.name));
  BOOST_TEST((second.aes != first.aes));
  BOOST_TEST((second.hmac != first.hmac));
  BOOST_TEST((second.created_ms == wall_ms(clock)));
  BOOST_TEST(keys.size() == 2u);
  // The new key has its own period, counted from its creation.
  clock.advance(30s);
  BOOST_TEST(same_key(keys.current(), second));
  clock.advance(30s);
  BOOST_TEST(!same_key(keys.current(), second));
}

BOOST_AUTO_TEST_CASE(a_long_idle_time_rotates_once) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  TicketKey first = keys.current();
  clock.advance(1h);
  TicketKey next = keys.current();
  BOOST_TEST(!same_key(next, first));
  BOOST_TEST(keys.size() == 2u);
  bool newest = false;
  BOOST_TEST(keys.find(first.name.data(), &newest).has_value());
}

BOOST_AUTO_TEST_CASE(find_tells_the_newest_key_from_older_ones) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  TicketKey k1 = keys.current();
  clock.advance(60s);
  TicketKey k2 = keys.current();
  bool newest = false;
  auto found = keys.find(k2.name.data(), &newest);
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(newest);
  BOOST_TEST(same_key(*found, k2));
  newest = true;
  found = keys.find(k1.name.data(), &newest);
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(!newest);
  BOOST_TEST(same_key(*found, k1));
}

BOOST_AUTO_TEST_CASE(a_key_is_dropped_after_keep_rotations) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  TicketKey k1 = keys.current();
  bool newest = false;
  clock.advance(60s);
  keys.current();
  clock.advance(60s);
  keys.current();
  // Three kept: k1 still decrypts.
  BOOST_TEST(keys.size() == 3u);
  BOOST_TEST(keys.find(k1.name.data(), &newest).has_value());
  BOOST_TEST(!newest);
  clock.advance(60s);
  TicketKey k4 = keys.current();
  BOOST_TEST(keys.size() == 3u);
  BOOST_TEST(!keys.find(k1.name.data(), &newest).has_value());
  BOOST_TEST(keys.find(k4.name.data(), &newest).has_value());
  BOOST_TEST(newest);
}

BOOST_AUTO_TEST_CASE(size_is_bounded_by_keep) {
  FakeClock clock;
  TicketKeys keys(clock, 10s, 4);
  std::set<std::array<uint8_t, 16>> names;
  for (int i = 0; i < 20; ++i) {
    names.insert(keys.current().name);
    BOOST_TEST(keys.size() == static_cast<size_t>(std::min(i + 1, 4)));
    clock.advance(10s);
  }
  BOOST_TEST(names.size() == 20u);  // every rotation made a fresh name
}

BOOST_AUTO_TEST_CASE(keep_zero_still_keeps_the_current_key) {
  FakeClock clock;
  TicketKeys keys(clock, 10s, 0);
  TicketKey k = keys.current();
  bool newest = false;
  BOOST_TEST(keys.size() == 1u);
  BOOST_TEST(keys.find(k.name.data(), &newest).has_value());
  BOOST_TEST(newest);
  clock.advance(10s);
  keys.current();
  BOOST_TEST(keys.size() == 1u);
  BOOST_TEST(!keys.find(k.name.data(), &newest).has_value());
}

BOOST_AUTO_TEST_CASE(an_unknown_name_is_not_found) {
  FakeClock clock;
  TicketKeys keys(clock);
  std::array<uint8_t, 16> unknown = keys.current().name;
  unknown[0] ^= 0xff;
  bool newest = true;
  BOOST_TEST(!keys.find(unknown.data(), &newest).has_value());
}

BOOST_AUTO_TEST_CASE(two_instances_make_different_keys) {
  FakeClock clock;
  TicketKeys a(clock), b(clock);
  TicketKey ka = a.current(), kb = b.current();
  BOOST_TEST((ka.name != kb.name));
  BOOST_TEST((ka.aes != kb.aes));
  bool newest = false;
  BOOST_TEST(!b.find(ka.name.data(), &newest).has_value());
}

BOOST_AUTO_TEST_CASE(the_default_period_is_twelve_hours_and_three_keys) {
  FakeClock clock;
  TicketKeys keys(clock);
  TicketKey k1 = keys.current();
  clock.advance(12h - 1s);
  BOOST_TEST(same_key(keys.current(), k1));
  clock.advance(1s);
  BOOST_TEST(!same_key(keys.current(), k1));
  clock.advance(12h);
  keys.current();
  bool newest = false;
  BOOST_TEST(keys.find(k1.name.data(), &newest).has_value());  // kept 36 hours
  clock.advance(12h);
  keys.current();
  BOOST_TEST(!keys.find(k1.name.data(), &newest).has_value());
  BOOST_TEST(keys.size() == 3u);
}

BOOST_AUTO_TEST_CASE(concurrent_callers_agree_on_one_rotation) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 3);
  clock.advance(60s);
  std::vector<std::array<uint8_t, 16>> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&keys, &seen, t] {
      for (int i = 0; i < 200; ++i) seen[t] = keys.current().name;
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& name : seen) BOOST_TEST((name == seen[0]));
  BOOST_TEST(keys.size() == 2u);
}

// Two nodes share keys through merge(): they end up with the same keys and
// the same current key, also when both rotated at the same time.
BOOST_AUTO_TEST_CASE(merged_keys_make_both_nodes_agree_on_the_current_key) {
  FakeClock clock;
  TicketKeys a(clock, 60s, 3);
  clock.advance(1ms);
  TicketKeys b(clock, 60s, 3);  // made later: its key is the newer
  for (const TicketKey& k : a.keys()) b.merge(k);
  for (const TicketKey& k : b.keys()) a.merge(k);
  BOOST_TEST(same_key(a.current(), b.current()));
  BOOST_TEST(a.size() == 2u);
  BOOST_TEST(!a.keys()[0].local);  // a's current came from b
  BOOST_TEST(b.keys()[0].local);
  // Both rotate at the same millisecond: the key with the greater name wins on both.
  clock.advance(60s);
  TicketKey ra = a.current();
  TicketKey rb = b.current();
  const uint64_t before = a.version();
  BOOST_TEST(a.merge(rb));
  BOOST_TEST(b.merge(ra));
  BOOST_TEST(a.version() > before);
  BOOST_TEST(same_key(a.current(), b.current()));
  BOOST_TEST(a.size() == 3u);  // keep = 3: the oldest went
  BOOST_TEST(!a.merge(rb));   // known: nothing changes
  bool newest = false;
  BOOST_TEST(a.find(ra.name.data(), &newest).has_value());  // the loser still decrypts
}

BOOST_AUTO_TEST_CASE(a_key_older_than_every_kept_one_is_not_merged) {
  FakeClock clock;
  TicketKeys keys(clock, 60s, 1);
  TicketKey old = keys.current();
  old.name[0] ^= 0xFF;
  old.created_ms -= 1;
  BOOST_TEST(!keys.merge(old));
  BOOST_TEST(keys.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
