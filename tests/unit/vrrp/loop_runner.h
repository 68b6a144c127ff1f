#pragma once
// Runs a libev loop in a test until a condition holds or a deadline passes
// (no sleep-and-hope). Shared by the tests of timer-driven vrrp/ classes.

#include <chrono>

#include "base/ev_watch.h"

namespace tandem::vrrp::testing {

// Runs `loop` until `done()` or `limit` passes; returns how long it ran.
template <typename Pred>
std::chrono::milliseconds run_until(struct ev_loop* loop, Pred done, std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  base::TimerWatcher tick(loop, [](void*, int) {}, nullptr);
  tick.start(0.002, 0.002);  // wake up often enough to check `done`
  while (!done() && std::chrono::steady_clock::now() - start < limit) ev_run(loop, EVRUN_ONCE);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace tandem::vrrp::testing
