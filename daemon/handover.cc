#include "daemon/handover.h"

namespace tandem {
namespace {

constexpr double kPoll = 0.005;  // s: connections end within a few ms of each other

base::MonoTime now() { return base::SystemClock::instance().now(); }

}  // namespace

Handover::Handover(struct ev_loop* loop, Hooks hooks)
    : hooks_(std::move(hooks)), tick_(loop, &base::member_callback<Handover, &Handover::on_tick>, this) {}

void Handover::start(std::chrono::milliseconds drain_limit, std::chrono::milliseconds release_limit) {
  if (running()) return;
  release_limit_ = release_limit;
  started_ = now();
  ++run_;
  deadline_ = started_ + drain_limit;
  phase_ = Phase::Draining;
  hooks_.pause_syns(true);
  on_tick(0);
}

void Handover::on_tick(int) {
  if (phase_ == Phase::Draining) {
    if (hooks_.open_connections() > 0 && now() < deadline_) {
      tick_.start(kPoll);
      return;
    }
    drained();
    return;
  }
  if (phase_ == Phase::Releasing) {
    if (!hooks_.released() && now() < deadline_) {
      tick_.start(kPoll);
      return;
    }
    finish();
  }
}

void Handover::drained() {
  drained_ = std::chrono::duration_cast<std::chrono::milliseconds>(now() - started_);
  if (!hooks_.sync) {
    resign_now({});
    return;
  }
  phase_ = Phase::Syncing;
  hooks_.sync([this, run = run_](std::string note) {
    if (phase_ == Phase::Syncing && run == run_) resign_now(std::move(note));
  });
}

void Handover::resign_now(std::string sync_note) {
  vrrp::FailoverOutcome outcome = hooks_.resign();
  if (!sync_note.empty()) outcome.lines.insert(outcome.lines.begin(), std::move(sync_note));
  hooks_.resigned(outcome, drained_);
  if (!outcome.done) {
    finish();
    return;
  }
  phase_ = Phase::Releasing;
  deadline_ = now() + release_limit_;
  tick_.start(kPoll);
}

void Handover::finish() {
  tick_.stop();
  hooks_.pause_syns(false);
  phase_ = Phase::Idle;
  if (hooks_.finished) hooks_.finished();
}

}  // namespace tandem
