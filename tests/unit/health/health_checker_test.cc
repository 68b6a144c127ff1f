#define BOOST_TEST_DYN_LINK
#include "daemon/health/health_checker.h"

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <memory>
#include <vector>

#include "tests/unit/health/health_test_support.h"

using namespace std::chrono_literals;
using tandem::base::SocketAddress;
using tandem::health::CheckKind;
using tandem::health::CheckParams;
using tandem::health::CheckResult;
using tandem::health::HealthChecker;
using tandem::health::testing::closed_port;
using tandem::health::testing::listen_loopback;
using tandem::health::testing::local_address;
using tandem::health::testing::open_fd_count;
using tandem::health::testing::Responder;
using tandem::health::testing::TestLoop;
using Clock = std::chrono::steady_clock;

namespace {

CheckParams params(CheckKind kind, const SocketAddress& target, std::chrono::milliseconds interval,
                   std::chrono::milliseconds timeout) {
  CheckParams p;
  p.kind = kind;
  p.target = target;
  p.interval = interval;
  p.timeout = timeout;
  p.http_path = "/ready";
  return p;
}

// Results with their arrival times.
struct Recorder {
  std::vector<CheckResult> results;
  std::vector<Clock::time_point> times;
  HealthChecker::Callback callback() {
    return [this](const CheckResult& r) {
      results.push_back(r);
      times.push_back(Clock::now());
    };
  }
  size_t count() const { return results.size(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(health_checker)

BOOST_AUTO_TEST_CASE(kind_names) {
  BOOST_TEST(std::string(to_string(CheckKind::Tcp)) == "tcp");
  BOOST_TEST(std::string(to_string(CheckKind::Http)) == "http");
}

BOOST_AUTO_TEST_CASE(nothing_happens_before_start) {
  TestLoop loop;
  auto listener = listen_loopback();
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Tcp, local_address(listener.get()), 20ms, 100ms),
                        rec.callback());
  loop.run_for(150ms);
  BOOST_TEST(rec.count() == 0u);
  BOOST_TEST(!checker.started());
}

BOOST_AUTO_TEST_CASE(first_probe_comes_soon_even_with_a_long_interval) {
  TestLoop loop;
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Tcp, closed_port(), 60s, 500ms), rec.callback());
  const auto t0 = Clock::now();
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 1; }));
  BOOST_TEST((rec.times[0] - t0 < 1s));  // first-probe jitter is below 100ms
  BOOST_TEST(rec.results[0].reason == "connection refused");
  BOOST_TEST(checker.probes_started() == 1u);
}

BOOST_AUTO_TEST_CASE(probes_repeat_every_interval) {
  TestLoop loop;
  auto listener = listen_loopback();
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Tcp, local_address(listener.get()), 50ms, 200ms),
                        rec.callback());
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 5; }));
  for (const auto& r : rec.results) BOOST_TEST(r.ok);
  // Four gaps of 50ms +-10% between probe starts: at least 4 x 45ms (less
  // some slack for a late first result), and no extra probes.
  BOOST_TEST((rec.times[4] - rec.times[0] >= 150ms));
  BOOST_TEST(checker.probes_started() <= 6u);
  BOOST_TEST(checker.probes_skipped() == 0u);
}

BOOST_AUTO_TEST_CASE(http_checks_report_status_mismatch) {
  TestLoop loop;
  Responder server(loop.get(), Responder::Mode::Answer, {"HTTP/1.1 503 Unavailable\r\n\r\n"});
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Http, server.address(), 50ms, 500ms), rec.callback());
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 2; }));
  BOOST_TEST(rec.results[1].reason == "HTTP 503, expected 200");
  BOOST_TEST(server.last_request().rfind("GET /ready HTTP/1.1\r\n", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_slow_probe_is_not_doubled) {
  TestLoop loop;
  Responder silent(loop.get(), Responder::Mode::Silent);
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Http, silent.address(), 40ms, 300ms), rec.callback());
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 1; }));
  BOOST_TEST(rec.results[0].reason == "timeout after 300ms waiting for the response");
  BOOST_TEST(silent.accepted() == 1);  // no second connection while the first one ran
  BOOST_TEST(checker.probes_started() == 1u);
  BOOST_TEST(checker.probes_skipped() >= 3u);  // ~7 ticks of 40ms fell inside 300ms
  // Probing goes on afterwards.
  BOOST_REQUIRE(loop.run_until([&] { return silent.accepted() == 2; }));
}

BOOST_AUTO_TEST_CASE(stop_abandons_the_probe_in_flight) {
  TestLoop loop;
  Responder silent(loop.get(), Responder::Mode::Silent);
  Recorder rec;
  HealthChecker checker(loop.get(), params(CheckKind::Http, silent.address(), 1s, 150ms), rec.callback());
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return silent.accepted() == 1; }));
  BOOST_TEST(checker.probe_in_flight());
  checker.stop();
  BOOST_TEST(!checker.probe_in_flight());
  BOOST_TEST(!checker.started());
  loop.run_for(300ms);  // past the abandoned probe's timeout
  BOOST_TEST(rec.count() == 0u);
  // And it can start again.
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 1; }));
}

BOOST_AUTO_TEST_CASE(set_params_switches_target_at_once) {
  TestLoop loop;
  auto listener = listen_loopback();
  Recorder rec;
  auto p = params(CheckKind::Tcp, closed_port(), 30s, 500ms);
  HealthChecker checker(loop.get(), p, rec.callback());
  checker.start();
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 1; }));
  BOOST_TEST(!rec.results[0].ok);

  checker.set_params(p);  // equal: nothing changes, no early probe
  loop.run_for(200ms);
  BOOST_TEST(rec.count() == 1u);

  p.target = local_address(listener.get());
  const auto t0 = Clock::now();
  checker.set_params(p);
  BOOST_TEST((checker.params() == p));
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 2; }));
  BOOST_TEST(rec.results[1].ok);
  BOOST_TEST((rec.times[1] - t0 < 1s));  // not after the 30s interval
}

BOOST_AUTO_TEST_CASE(set_params_while_stopped_does_not_start) {
  TestLoop loop;
  Recorder rec;
  auto p = params(CheckKind::Tcp, closed_port(), 20ms, 100ms);
  HealthChecker checker(loop.get(), p, rec.callback());
  p.interval = 30ms;
  checker.set_params(p);
  loop.run_for(100ms);
  BOOST_TEST(rec.count() == 0u);
  BOOST_TEST(checker.params().interval == 30ms);
}

BOOST_AUTO_TEST_CASE(callback_may_stop_or_destroy_the_checker) {
  TestLoop loop;
  auto listener = listen_loopback();
  const SocketAddress addr = local_address(listener.get());
  int calls = 0;
  std::unique_ptr<HealthChecker> checker;
  checker = std::make_unique<HealthChecker>(loop.get(), params(CheckKind::Tcp, addr, 20ms, 100ms),
                                            [&](const CheckResult&) {
                                              ++calls;
                                              checker.reset();
                                            });
  checker->start();
  BOOST_REQUIRE(loop.run_until([&] { return calls == 1; }));
  BOOST_TEST(!checker);
  loop.run_for(100ms);
  BOOST_TEST(calls == 1);

  // Destroyed from a result delivered synchronously (refused at connect).
  calls = 0;
  checker = std::make_unique<HealthChecker>(loop.get(), params(CheckKind::Http, closed_port(), 20ms, 100ms),
                                            [&](const CheckResult&) {
                                              ++calls;
                                              checker.reset();
                                            });
  checker->start();
  BOOST_REQUIRE(loop.run_until([&] { return calls == 1; }));
  loop.run_for(60ms);
  BOOST_TEST(calls == 1);

  // Stopped from its callback: no further probes.
  calls = 0;
  HealthChecker* self = nullptr;
  HealthChecker stopping(loop.get(), params(CheckKind::Tcp, addr, 20ms, 100ms), [&](const CheckResult&) {
    ++calls;
    self->stop();
  });
  self = &stopping;
  stopping.start();
  BOOST_REQUIRE(loop.run_until([&] { return calls == 1; }));
  loop.run_for(100ms);
  BOOST_TEST(calls == 1);
  BOOST_TEST(!stopping.started());
}

BOOST_AUTO_TEST_CASE(many_servers_spread_out) {
  TestLoop loop;
  auto listener = listen_loopback(64);
  const SocketAddress addr = local_address(listener.get());
  Recorder rec;
  std::vector<std::unique_ptr<HealthChecker>> checkers;
  for (int i = 0; i < 10; ++i) {
    checkers.push_back(std::make_unique<HealthChecker>(loop.get(), params(CheckKind::Tcp, addr, 200ms, 100ms),
                                                       rec.callback()));
    checkers.back()->start();
  }
  BOOST_REQUIRE(loop.run_until([&] { return rec.count() == 10; }));
  // Ten first probes, all within the 100ms first-probe window, not at one instant.
  const auto [lo, hi] = std::minmax_element(rec.times.begin(), rec.times.end());
  BOOST_TEST((*hi - *lo > 1ms));
  BOOST_TEST((*hi - *lo < 500ms));
}

BOOST_AUTO_TEST_CASE(destroying_a_checker_closes_its_socket) {
  TestLoop loop;
  auto mute = listen_loopback();  // never answers, holds no per-connection fd
  const size_t before = open_fd_count();
  {
    Recorder rec;
    HealthChecker checker(loop.get(), params(CheckKind::Http, local_address(mute.get()), 1s, 5s), rec.callback());
    checker.start();
    BOOST_REQUIRE(loop.run_until([&] { return checker.probe_in_flight(); }));
    loop.run_for(20ms);
    BOOST_TEST(open_fd_count() == before + 1);
  }
  BOOST_TEST(open_fd_count() == before);
}

BOOST_AUTO_TEST_SUITE_END()
