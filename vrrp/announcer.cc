#include "vrrp/announcer.h"

namespace tandem::vrrp {
namespace {

double seconds(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }

}  // namespace

Announcer::Announcer(struct ev_loop* loop, SendFn send)
    : send_(std::move(send)),
      tick_(loop, &base::member_callback<Announcer, &Announcer::on_tick>, this),
      later_(loop, &base::member_callback<Announcer, &Announcer::on_later>, this) {}

void Announcer::announce(std::vector<Ipv4> vips) {
  stop();
  vips_ = std::move(vips);
  if (vips_.empty() || schedule_.count <= 0) return;
  rounds_left_ = schedule_.count;
  second_burst_pending_ = schedule_.delay.count() > 0;
  send_round();
  if (second_burst_pending_)
    later_.start(seconds(schedule_.delay));
  else if (schedule_.refresh.count() > 0)
    later_.start(seconds(schedule_.refresh));
}

void Announcer::stop() {
  tick_.stop();
  later_.stop();
  rounds_left_ = 0;
  second_burst_pending_ = false;
}

void Announcer::send_round() {
  for (Ipv4 vip : vips_) send_(vip);
  if (--rounds_left_ > 0) tick_.start(seconds(schedule_.interval));
}

void Announcer::on_tick(int) {
  if (rounds_left_ > 0) send_round();
}

void Announcer::on_later(int) {
  // A new burst; what follows it is the refresh (if any).
  second_burst_pending_ = false;
  tick_.stop();
  rounds_left_ = schedule_.count;
  send_round();
  if (schedule_.refresh.count() > 0) later_.start(seconds(schedule_.refresh));
}

}  // namespace tandem::vrrp
