#pragma once
// Gratuitous ARP bursts for a master's VIPs (DESIGN.md, "Lessons": stale ARP
// caches after a takeover or a healed split brain). announce() sends
// `count` announcements per VIP, `interval` apart (the first at once); a
// second burst follows after `delay` (0 = none), and while refresh > 0 a
// burst is repeated that often until stop().
//
// Threading: the owner loop's thread only.

#include <chrono>
#include <functional>
#include <vector>

#include "base/ev_watch.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

struct AnnounceSchedule {
  int count = 5;
  std::chrono::milliseconds interval{20};
  std::chrono::milliseconds delay{5000};
  std::chrono::milliseconds refresh{0};
};

class Announcer {
 public:
  // `send` sends one announcement for one VIP; it is called on the loop.
  using SendFn = std::function<void(Ipv4 vip)>;
  Announcer(struct ev_loop* loop, SendFn send);

  void set_schedule(const AnnounceSchedule& schedule) { schedule_ = schedule; }

  // Starts a burst for `vips` now (restarting any burst in progress).
  void announce(std::vector<Ipv4> vips);

  // Cancels bursts, the delayed burst and the refresh.
  void stop();

 private:
  void on_tick(int revents);
  void on_later(int revents);
  void send_round();

  SendFn send_;
  AnnounceSchedule schedule_;
  std::vector<Ipv4> vips_;
  int rounds_left_ = 0;
  bool second_burst_pending_ = false;
  base::TimerWatcher tick_;   // the rounds of a burst
  base::TimerWatcher later_;  // the delayed burst, then the refresh
};

}  // namespace tandem::vrrp
