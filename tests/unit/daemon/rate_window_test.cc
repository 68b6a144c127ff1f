#define BOOST_TEST_DYN_LINK
#include "daemon/status/rate_window.h"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using tandem::base::MonoTime;
using tandem::status::RateWindow;
using namespace std::chrono_literals;

namespace {

const MonoTime kT0 = MonoTime(1000s);

// One tick sampling a single key.
void tick(RateWindow& w, const std::string& key, MonoTime at, uint64_t count) {
  w.begin_tick();
  w.sample(key, at, count);
  w.end_tick();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_window)

BOOST_AUTO_TEST_CASE(a_steady_counter_gives_its_rate) {
  RateWindow w(10s, 1s);
  for (int s = 0; s <= 30; ++s) tick(w, "fe", kT0 + std::chrono::seconds(s), 10u * static_cast<uint64_t>(s));
  // Half a second after the last tick, the live count is 305.
  auto r = w.rate("fe", kT0 + 30500ms, 305);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 10.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(looks_back_at_most_the_window) {
  RateWindow w(10s, 1s);
  // 1000 requests in the first second, then none.
  tick(w, "fe", kT0, 0);
  for (int s = 1; s <= 20; ++s) tick(w, "fe", kT0 + std::chrono::seconds(s), 1000);
  auto r = w.rate("fe", kT0 + 20s, 1000);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 0.0);
  // 5 s after the burst, it is still in the window: 1000 over 5 s.
  RateWindow v(10s, 1s);
  tick(v, "fe", kT0, 0);
  for (int s = 1; s <= 5; ++s) tick(v, "fe", kT0 + std::chrono::seconds(s), 1000);
  auto q = v.rate("fe", kT0 + 5s, 1000);
  BOOST_REQUIRE(q.has_value());
  BOOST_TEST(*q == 200.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(uses_the_oldest_sample_still_inside_the_window) {
  RateWindow w(10s, 1s);
  tick(w, "fe", kT0, 0);           // 10.5 s before the query: out
  tick(w, "fe", kT0 + 1s, 100);    // 9.5 s before: the base
  tick(w, "fe", kT0 + 2s, 5000);
  auto r = w.rate("fe", kT0 + 10500ms, 1050);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 100.0, boost::test_tools::tolerance(1e-9));  // (1050 - 100) / 9.5
}

BOOST_AUTO_TEST_CASE(no_rate_before_a_sample_is_min_span_old) {
  RateWindow w(10s, 1s);
  BOOST_TEST(!w.rate("fe", kT0, 0).has_value());  // never sampled
  tick(w, "fe", kT0, 0);
  BOOST_TEST(!w.rate("fe", kT0 + 500ms, 3).has_value());
  auto r = w.rate("fe", kT0 + 1s, 3);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 3.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(no_rate_when_every_sample_left_the_window) {
  RateWindow w(10s, 1s);
  tick(w, "fe", kT0, 0);
  // The timer stalled: nothing sampled for 11 s.
  BOOST_TEST(!w.rate("fe", kT0 + 11s, 50).has_value());
}

BOOST_AUTO_TEST_CASE(a_counter_that_went_backwards_restarts_its_history) {
  RateWindow w(10s, 1s);
  tick(w, "srv", kT0, 1000);
  tick(w, "srv", kT0 + 1s, 2000);
  tick(w, "srv", kT0 + 2s, 5);  // a new counter (the server's state was replaced)
  BOOST_TEST(!w.rate("srv", kT0 + 2500ms, 6).has_value());  // only a 0.5 s old sample
  auto r = w.rate("srv", kT0 + 4s, 25);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 10.0, boost::test_tools::tolerance(1e-9));
  // A live count below the base is not a rate either.
  BOOST_TEST(!w.rate("srv", kT0 + 4s, 1).has_value());
}

BOOST_AUTO_TEST_CASE(keys_not_sampled_in_a_tick_are_forgotten) {
  RateWindow w(10s, 1s);
  w.begin_tick();
  w.sample("a", kT0, 0);
  w.sample("b", kT0, 0);
  w.end_tick();
  BOOST_TEST(w.keys() == 2u);
  tick(w, "a", kT0 + 1s, 10);
  BOOST_TEST(w.keys() == 1u);
  BOOST_TEST(!w.rate("b", kT0 + 2s, 10).has_value());
  BOOST_TEST(w.rate("a", kT0 + 2s, 20).has_value());
}

BOOST_AUTO_TEST_CASE(fast_sampling_keeps_rates_right) {
  // Sampling far more often than once a second (memory is bounded per key)
  // still gives a rate over at least min_span.
  RateWindow w(10s, 1s);
  for (int i = 0; i <= 1000; ++i) tick(w, "fe", kT0 + std::chrono::milliseconds(10 * i), 2u * static_cast<uint64_t>(i));
  auto r = w.rate("fe", kT0 + 10s, 2000);  // 200 per second
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == 200.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()
