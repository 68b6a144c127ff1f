#pragma once
// The health state of one server: a pure state holder (STYLE habit 3). It
// does no I/O and reads no clock; it is fed active check results (from a
// HealthChecker) and passive connect outcomes (seen by the proxy) and answers
// with the state transition to log, if any.
//
// Rules:
//  - A server starts Up but "unchecked". The FIRST check result is decisive:
//    one failure marks it Down at once, one success keeps it Up. So a server
//    that is dead at start-up is found after one check, not fall x interval.
//  - Afterwards: Up -> Down after `fall` consecutive failed checks;
//    Down -> Up after `rise` consecutive successful checks.
//  - Passive: `fall` consecutive connection failures reported through
//    on_passive_failure() (with no successful check and no
//    on_passive_success() in between) mark an Up server Down. Passive
//    failures never count as failed checks and vice versa.
//  - From Down, only checks bring a server back (rise successes counted from
//    the moment it went Down), whatever took it down. A server taken Down by
//    passive failures before its first check also needs `rise` successes.
//
// Threading: not thread-safe; one thread (the daemon's main loop) owns a
// tracker. Workers report passive outcomes to that thread through events.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/health/check_result.h"

namespace tandem::health {

enum class HealthState { Up, Down };

// "up" / "down".
const char* to_string(HealthState s);

// A state change, to be logged once and counted by the caller.
struct Transition {
  HealthState from;
  HealthState to;
  // Starts with the new state, e.g.
  //   "down: first check failed: connection refused"
  //   "down: 3 consecutive failed checks, last: connection refused"
  //   "down: 3 consecutive connection failures: connection refused"
  //   "up: 2 consecutive successful checks"
  std::string reason;
};

// Totals and last values, for the status socket.
struct HealthStats {
  uint64_t checks_passed = 0;
  uint64_t checks_failed = 0;
  uint64_t passive_failures = 0;  // every on_passive_failure(), whatever the state
  uint64_t state_changes = 0;
  std::string last_result;                      // reason of the last check; "" before any
  std::chrono::microseconds last_duration{0};   // of the last check
  std::string last_change;                      // reason of the last transition; "" before any
};

class HealthTracker {
 public:
  // `rise` and `fall` must be >= 1 (the config loader guarantees it); smaller
  // values are treated as 1.
  HealthTracker(int rise, int fall);

  // Feeds one active check result. Returns the transition it causes, if any.
  std::optional<Transition> on_result(const CheckResult& result);

  // A connection attempt by the proxy to this server failed (`reason` as in
  // CheckResult, e.g. "connection refused"). Returns the transition to Down
  // when this is the `fall`-th consecutive one while Up.
  std::optional<Transition> on_passive_failure(std::string_view reason);

  // A connection attempt by the proxy succeeded: resets the passive count.
  // Never changes the state (only checks bring a Down server back).
  void on_passive_success();

  // Reload: new thresholds apply from the next event; state and counters are
  // kept. Same clamping as the constructor.
  void set_thresholds(int rise, int fall);

  HealthState state() const { return state_; }
  bool is_up() const { return state_ == HealthState::Up; }
  // False until the first check result arrived.
  bool checked() const { return checked_; }
  int rise() const { return rise_; }
  int fall() const { return fall_; }
  int consecutive_successes() const { return successes_; }
  int consecutive_failures() const { return failures_; }
  int consecutive_passive_failures() const { return passive_failures_; }
  const HealthStats& stats() const { return stats_; }

 private:
  Transition change_to(HealthState to, std::string reason);

  HealthState state_ = HealthState::Up;
  bool checked_ = false;
  int rise_;
  int fall_;
  int successes_ = 0;         // consecutive successful checks
  int failures_ = 0;          // consecutive failed checks
  int passive_failures_ = 0;  // consecutive failed proxy connections
  HealthStats stats_;
};

}  // namespace tandem::health
