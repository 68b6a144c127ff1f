#pragma once
// Active health checks of one server: probes it every `interval` on a libev
// loop (the daemon's main loop) and reports each probe's CheckResult through
// a callback. What the results mean (up/down, rise/fall) is HealthTracker's
// business; this class only does the probing.
//
//   health::HealthChecker checker(main_loop, params, [&](const health::CheckResult& r) {
//     if (auto t = tracker.on_result(r)) log_and_publish(*t);
//   });
//   checker.start();
//
// Schedule: the first probe runs soon after start() (random delay below
// min(interval, 100ms)), then one every interval, each delay jittered by
// +-10% so many servers started together spread out. A probe still running
// when the next one is due is not doubled: that tick is skipped (counted in
// probes_skipped()) and the next one is scheduled an interval later.
//
// Reload: call set_params() with the new params (a no-op when nothing
// changed); the daemon does not need to recreate the checker. Keep the
// HealthTracker across reloads so the state survives.
//
// Threading: everything, the callback included, runs on the loop's thread;
// only that thread may call these methods. Never blocks the loop.

#include <cstdint>
#include <functional>
#include <random>

#include "base/ev_watch.h"
#include "daemon/health/check_params.h"
#include "daemon/health/check_result.h"
#include "daemon/health/health_probe.h"

namespace tandem::health {

class HealthChecker {
 public:
  // Invoked once per finished probe, on the loop thread. It may call stop(),
  // start() or set_params(), and may even destroy the checker (nothing
  // touches the checker after the callback returns).
  using Callback = std::function<void(const CheckResult&)>;

  // `loop` must outlive the checker. Nothing happens until start().
  HealthChecker(struct ev_loop* loop, CheckParams params, Callback on_result);
  // Stops: a probe in flight is abandoned (its socket closed, no callback).
  ~HealthChecker() = default;
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Begins probing (first probe within min(interval, 100ms)). No-op when
  // already started.
  void start();
  // Stops probing; a probe in flight is abandoned without a callback.
  // start() may be called again later.
  void stop();
  // Replaces the params. When they differ and the checker is started, a probe
  // in flight is abandoned without a callback (so no result for the old
  // params is reported after this call) and probing restarts as after
  // start(). When they are equal, nothing happens.
  void set_params(CheckParams params);

  const CheckParams& params() const { return params_; }
  bool started() const { return started_; }
  bool probe_in_flight() const { return probe_.running(); }
  // Probes begun, and ticks skipped because the previous probe was still
  // running (a sign that timeout > interval or that the server is slow).
  uint64_t probes_started() const { return probes_started_; }
  uint64_t probes_skipped() const { return probes_skipped_; }

 private:
  void on_tick(int revents);
  static void on_probe_done(void* owner, const CheckResult& result);
  double first_delay();
  double next_delay();

  CheckParams params_;
  Callback on_result_;
  bool started_ = false;
  uint64_t probes_started_ = 0;
  uint64_t probes_skipped_ = 0;
  std::minstd_rand rng_;
  base::TimerWatcher timer_;
  HealthProbe probe_;  // after timer_: destroyed first, so nothing can fire into a half-gone checker
};

}  // namespace tandem::health
