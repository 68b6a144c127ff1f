#define BOOST_TEST_DYN_LINK
#include "vrrp/announcer.h"

#include "tests/unit/vrrp/loop_runner.h"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>

using namespace tandem;
using namespace tandem::vrrp;
using namespace std::chrono_literals;
using tandem::vrrp::testing::run_until;

BOOST_AUTO_TEST_SUITE(announcer)

BOOST_AUTO_TEST_CASE(a_burst_then_a_delayed_burst) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  std::map<Ipv4, int> sent;
  Announcer a(loop.get(), [&](Ipv4 vip) { ++sent[vip]; });
  a.set_schedule(AnnounceSchedule{3, 10ms, 60ms, 0ms});
  a.announce({1, 2});
  // The first round goes out at once, before the loop runs.
  BOOST_TEST(sent[1] == 1);
  BOOST_TEST(sent[2] == 1);
  run_until(loop.get(), [&] { return sent[2] >= 3; }, 2000ms);
  BOOST_TEST(sent[1] == 3);
  BOOST_TEST(sent[2] == 3);
  auto waited = run_until(loop.get(), [&] { return sent[2] >= 6; }, 2000ms);
  BOOST_TEST(sent[1] == 6);
  BOOST_TEST(sent[2] == 6);
  BOOST_TEST(waited.count() >= 20);  // the second burst waited for the delay, not just the interval
  // Nothing more without a refresh.
  run_until(loop.get(), [] { return false; }, 100ms);
  BOOST_TEST(sent[2] == 6);
}

BOOST_AUTO_TEST_CASE(refresh_repeats_until_stopped) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  int sent = 0;
  Announcer a(loop.get(), [&](Ipv4) { ++sent; });
  a.set_schedule(AnnounceSchedule{1, 0ms, 0ms, 20ms});
  a.announce({7});
  run_until(loop.get(), [&] { return sent >= 4; }, 2000ms);
  BOOST_TEST(sent >= 4);
  a.stop();
  int at_stop = sent;
  run_until(loop.get(), [] { return false; }, 80ms);
  BOOST_TEST(sent == at_stop);
}

BOOST_AUTO_TEST_CASE(count_zero_sends_nothing) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  int sent = 0;
  Announcer a(loop.get(), [&](Ipv4) { ++sent; });
  a.set_schedule(AnnounceSchedule{0, 10ms, 10ms, 10ms});
  a.announce({7});
  run_until(loop.get(), [] { return false; }, 50ms);
  BOOST_TEST(sent == 0);
}

BOOST_AUTO_TEST_SUITE_END()
