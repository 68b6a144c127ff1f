#include "daemon/health/health_tracker.h"

#include <algorithm>
#include <utility>

namespace tandem::health {
namespace {

// "1 consecutive failed check" / "3 consecutive failed checks".
std::string count_of(int n, const char* noun) {
  std::string s = std::to_string(n);
  s += ' ';
  s += noun;
  if (n != 1) s += 's';
  return s;
}

}  // namespace

const char* to_string(HealthState s) {
  switch (s) {
    case HealthState::Up: return "up";
    case HealthState::Down: return "down";
  }
  return "?";
}

HealthTracker::HealthTracker(int rise, int fall) : rise_(std::max(rise, 1)), fall_(std::max(fall, 1)) {}

void HealthTracker::set_thresholds(int rise, int fall) {
  rise_ = std::max(rise, 1);
  fall_ = std::max(fall, 1);
}

std::optional<Transition> HealthTracker::on_result(const CheckResult& result) {
  const bool first = !checked_;
  checked_ = true;
  stats_.last_result = result.reason;
  stats_.last_duration = result.duration;
  if (result.ok) {
    ++stats_.checks_passed;
    ++successes_;
    failures_ = 0;
    passive_failures_ = 0;  // the server answers again: earlier connect failures are stale
    if (state_ == HealthState::Down && successes_ >= rise_)
      return change_to(HealthState::Up, "up: " + count_of(successes_, "consecutive successful check"));
    return std::nullopt;
  }
  ++stats_.checks_failed;
  ++failures_;
  successes_ = 0;
  if (state_ != HealthState::Up) return std::nullopt;
  if (first) return change_to(HealthState::Down, "down: first check failed: " + result.reason);
  if (failures_ >= fall_)
    return change_to(HealthState::Down,
                     "down: " + count_of(failures_, "consecutive failed check") + ", last: " + result.reason);
  return std::nullopt;
}

std::optional<Transition> HealthTracker::on_passive_failure(std::string_view reason) {
  ++stats_.passive_failures;
  ++passive_failures_;
  if (state_ != HealthState::Up || passive_failures_ < fall_) return std::nullopt;
  // Checks that passed before these failures must not count towards rise.
  successes_ = 0;
  return change_to(HealthState::Down, "down: " + count_of(passive_failures_, "consecutive connection failure") +
                                          ": " + std::string(reason));
}

void HealthTracker::on_passive_success() { passive_failures_ = 0; }

Transition HealthTracker::change_to(HealthState to, std::string reason) {
  Transition t{state_, to, std::move(reason)};
  state_ = to;
  ++stats_.state_changes;
  stats_.last_change = t.reason;
  return t;
}

}  // namespace tandem::health
