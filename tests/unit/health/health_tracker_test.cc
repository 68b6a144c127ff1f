#define BOOST_TEST_DYN_LINK
#include "daemon/health/health_tracker.h"

#include <boost/test/unit_test.hpp>

using tandem::health::CheckResult;
using tandem::health::HealthState;
using tandem::health::HealthTracker;
using tandem::health::Transition;

namespace {

CheckResult ok() { return {true, "ok", std::chrono::microseconds(120)}; }
CheckResult fail(const char* why = "connection refused") { return {false, why, std::chrono::microseconds(80)}; }

// Feeds `n` results and requires that none of them changes the state.
void feed_quietly(HealthTracker& t, const CheckResult& r, int n) {
  for (int i = 0; i < n; ++i) BOOST_REQUIRE(!t.on_result(r).has_value());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(health_tracker)

BOOST_AUTO_TEST_CASE(state_names) {
  BOOST_TEST(std::string(to_string(HealthState::Up)) == "up");
  BOOST_TEST(std::string(to_string(HealthState::Down)) == "down");
}

BOOST_AUTO_TEST_CASE(starts_up_and_unchecked) {
  HealthTracker t(2, 3);
  BOOST_TEST(t.is_up());
  BOOST_TEST(!t.checked());
  BOOST_TEST(t.stats().last_result == "");
}

BOOST_AUTO_TEST_CASE(first_failed_check_is_decisive) {
  HealthTracker t(2, 3);
  auto tr = t.on_result(fail());
  BOOST_REQUIRE(tr.has_value());
  BOOST_TEST((tr->from == HealthState::Up));
  BOOST_TEST((tr->to == HealthState::Down));
  BOOST_TEST(tr->reason == "down: first check failed: connection refused");
  BOOST_TEST(t.checked());
  BOOST_TEST(!t.is_up());
}

BOOST_AUTO_TEST_CASE(first_successful_check_keeps_it_up_then_fall_applies) {
  HealthTracker t(2, 3);
  feed_quietly(t, ok(), 1);
  BOOST_TEST(t.checked());
  BOOST_TEST(t.is_up());
  feed_quietly(t, fail(), 2);  // not decisive any more: fall = 3
  auto tr = t.on_result(fail("timeout after 500ms while connecting"));
  BOOST_REQUIRE(tr.has_value());
  BOOST_TEST(tr->reason == "down: 3 consecutive failed checks, last: timeout after 500ms while connecting");
  BOOST_TEST(!t.is_up());
}

BOOST_AUTO_TEST_CASE(rise_successes_bring_it_back) {
  HealthTracker t(3, 2);
  BOOST_REQUIRE(t.on_result(fail()).has_value());
  feed_quietly(t, ok(), 2);
  BOOST_TEST(!t.is_up());
  auto tr = t.on_result(ok());
  BOOST_REQUIRE(tr.has_value());
  BOOST_TEST((tr->from == HealthState::Down));
  BOOST_TEST((tr->to == HealthState::Up));
  BOOST_TEST(tr->reason == "up: 3 consecutive successful checks");
  BOOST_TEST(t.is_up());
}

BOOST_AUTO_TEST_CASE(a_success_breaks_the_failure_streak) {
  HealthTracker t(2, 3);
  feed_quietly(t, ok(), 1);
  feed_quietly(t, fail(), 2);
  feed_quietly(t, ok(), 1);
  feed_quietly(t, fail(), 2);
  BOOST_TEST(t.is_up());
  BOOST_TEST(t.consecutive_failures() == 2);
  BOOST_TEST(t.on_result(fail()).has_value());
}

BOOST_AUTO_TEST_CASE(alternating_results_never_flip_either_way) {
  HealthTracker up(2, 2);
  feed_quietly(up, ok(), 1);
  for (int i = 0; i < 20; ++i) {
    feed_quietly(up, fail(), 1);
    feed_quietly(up, ok(), 1);
  }
  BOOST_TEST(up.is_up());

  HealthTracker down(2, 2);
  BOOST_REQUIRE(down.on_result(fail()).has_value());
  for (int i = 0; i < 20; ++i) {
    feed_quietly(down, ok(), 1);
    feed_quietly(down, fail(), 1);
  }
  BOOST_TEST(!down.is_up());
}

BOOST_AUTO_TEST_CASE(thresholds_of_one_flip_at_once_with_singular_reasons) {
  HealthTracker t(1, 1);
  feed_quietly(t, ok(), 1);
  auto down = t.on_result(fail("HTTP 503, expected 200"));
  BOOST_REQUIRE(down.has_value());
  BOOST_TEST(down->reason == "down: 1 consecutive failed check, last: HTTP 503, expected 200");
  auto up = t.on_result(ok());
  BOOST_REQUIRE(up.has_value());
  BOOST_TEST(up->reason == "up: 1 consecutive successful check");
}

BOOST_AUTO_TEST_CASE(thresholds_below_one_are_clamped) {
  HealthTracker t(0, -5);
  BOOST_TEST(t.rise() == 1);
  BOOST_TEST(t.fall() == 1);
  t.set_thresholds(4, 0);
  BOOST_TEST(t.rise() == 4);
  BOOST_TEST(t.fall() == 1);
}

BOOST_AUTO_TEST_CASE(set_thresholds_keeps_state_and_applies_next) {
  HealthTracker t(2, 5);
  feed_quietly(t, ok(), 1);
  feed_quietly(t, fail(), 2);
  t.set_thresholds(2, 3);
  BOOST_TEST(t.is_up());
  auto tr = t.on_result(fail());
  BOOST_REQUIRE(tr.has_value());
  BOOST_TEST(tr->reason == "down: 3 consecutive failed checks, last: connection refused");
}

BOOST_AUTO_TEST_CASE(passive_failures_mark_down_and_only_checks_recover) {
  HealthTracker t(2, 3);
  feed_quietly(t, ok(), 1);
  BOOST_TEST(!t.on_passive_failure("connection refused").has_value());
  BOOST_TEST(!t.on_passive_failure("connection refused").has_value());
  auto tr = t.on_passive_failure("connection reset by peer");
  BOOST_REQUIRE(tr.has_value());
  BOOST_TEST((tr->to == HealthState::Down));
  BOOST_TEST(tr->reason == "down: 3 consecutive connection failures: connection reset by peer");
  // A successful proxy connection does not bring it back; checks do.
  t.on_passive_success();
  BOOST_TEST(!t.is_up());
  feed_quietly(t, ok(), 1);
  BOOST_TEST(!t.is_up());
  auto up = t.on_result(ok());
  BOOST_REQUIRE(up.has_value());
  BOOST_TEST(up->reason == "up: 2 consecutive successful checks");
}

BOOST_AUTO_TEST_CASE(passive_down_does_not_reuse_older_successes) {
  HealthTracker t(2, 2);
  feed_quietly(t, ok(), 5);
  BOOST_TEST(!t.on_passive_failure("connection refused").has_value());
  BOOST_REQUIRE(t.on_passive_failure("connection refused").has_value());
  feed_quietly(t, ok(), 1);  // the 5 successes before the failures do not count
  BOOST_TEST(!t.is_up());
  BOOST_TEST(t.on_result(ok()).has_value());
}

BOOST_AUTO_TEST_CASE(passive_streak_is_broken_by_a_good_connection_or_check) {
  HealthTracker t(2, 3);
  feed_quietly(t, ok(), 1);
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  t.on_passive_success();
  BOOST_TEST(t.consecutive_passive_failures() == 0);
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  feed_quietly(t, ok(), 1);
  BOOST_TEST(t.consecutive_passive_failures() == 0);
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(t.is_up());
  BOOST_TEST(t.on_passive_failure("x").has_value());
}

BOOST_AUTO_TEST_CASE(passive_failures_and_failed_checks_do_not_add_up) {
  HealthTracker t(2, 3);
  feed_quietly(t, ok(), 1);
  feed_quietly(t, fail(), 2);
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(t.is_up());
}

BOOST_AUTO_TEST_CASE(passive_failures_before_the_first_check) {
  HealthTracker t(2, 2);
  BOOST_TEST(!t.on_passive_failure("connection refused").has_value());
  BOOST_REQUIRE(t.on_passive_failure("connection refused").has_value());
  BOOST_TEST(!t.checked());
  // Down by evidence: the first check is not decisive upwards, rise applies.
  feed_quietly(t, ok(), 1);
  BOOST_TEST(!t.is_up());
  BOOST_TEST(t.on_result(ok()).has_value());
}

BOOST_AUTO_TEST_CASE(passive_failures_while_down_change_nothing) {
  HealthTracker t(2, 1);
  BOOST_REQUIRE(t.on_result(fail()).has_value());
  for (int i = 0; i < 5; ++i) BOOST_TEST(!t.on_passive_failure("x").has_value());
  BOOST_TEST(t.stats().state_changes == 1u);
  BOOST_TEST(t.stats().passive_failures == 5u);
}

BOOST_AUTO_TEST_CASE(stats_count_checks_changes_and_last_values) {
  HealthTracker t(1, 1);
  t.on_result(ok());
  t.on_result(fail("HTTP 500, expected 200"));
  t.on_result(ok());
  t.on_result(ok());
  const auto& s = t.stats();
  BOOST_TEST(s.checks_passed == 3u);
  BOOST_TEST(s.checks_failed == 1u);
  BOOST_TEST(s.state_changes == 2u);
  BOOST_TEST(s.last_result == "ok");
  BOOST_TEST(s.last_duration.count() == 120);
  BOOST_TEST(s.last_change == "up: 1 consecutive successful check");
}

BOOST_AUTO_TEST_SUITE_END()
