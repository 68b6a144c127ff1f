#include "daemon/health/health_checker.h"

#include <algorithm>
#include <utility>

#include "base/clock.h"

namespace tandem::health {
namespace {

constexpr std::chrono::milliseconds kMaxFirstDelay{100};
constexpr double kJitter = 0.10;  // +-10% of the interval

std::chrono::milliseconds clamp_interval(std::chrono::milliseconds ms) {
  return std::max(ms, std::chrono::milliseconds(1));
}


}  // namespace

const char* to_string(CheckKind k) {
  switch (k) {
    case CheckKind::Tcp: return "tcp";
    case CheckKind::Http: return "http";
  }
  return "?";
}

HealthChecker::HealthChecker(struct ev_loop* loop, CheckParams params, Callback on_result)
    : params_(std::move(params)),
      on_result_(std::move(on_result)),
      rng_(std::random_device{}()),
      timer_(loop, &base::member_callback<HealthChecker, &HealthChecker::on_tick>, this),
      probe_(loop, &HealthChecker::on_probe_done, this) {}

void HealthChecker::start() {
  if (started_) return;
  started_ = true;
  timer_.start(first_delay());
}

void HealthChecker::stop() {
  started_ = false;
  timer_.stop();
  probe_.cancel();
}

void HealthChecker::set_params(CheckParams params) {
  if (params == params_) return;
  params_ = std::move(params);
  if (!started_) return;
  stop();
  start();
}

void HealthChecker::on_tick(int /*revents*/) {
  timer_.start(next_delay());
  if (probe_.running()) {
    ++probes_skipped_;
    return;
  }
  ++probes_started_;
  probe_.begin(params_);  // last: the result (and the callback) may come before it returns
}

void HealthChecker::on_probe_done(void* owner, const CheckResult& result) {
  auto* self = static_cast<HealthChecker*>(owner);
  // A copy, so that the callback may destroy the checker (and on_result_
  // with it) while running.
  Callback cb = self->on_result_;
  if (cb) cb(result);
}

double HealthChecker::first_delay() {
  const auto cap = std::min(clamp_interval(params_.interval), kMaxFirstDelay);
  return std::uniform_real_distribution<double>(0.0, base::to_seconds(cap))(rng_);
}

double HealthChecker::next_delay() {
  const double interval = base::to_seconds(clamp_interval(params_.interval));
  return interval * std::uniform_real_distribution<double>(1.0 - kJitter, 1.0 + kJitter)(rng_);
}

}  // namespace tandem::health
