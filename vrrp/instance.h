#pragma once
// One configured VRRP instance at run time: its StateMachine, the timer that
// drives it, and the execution of its actions (adverts, VIPs, GARP bursts,
// hooks, the state-change report). The world is reached through
// InstancePorts only, so the whole of it can run against fakes in tests.
// Internal to vrrp/.
//
// Threading: the VRRP thread (the loop given) only.

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/ev_watch.h"
#include "base/log.h"
#include "conf/config.h"
#include "vrrp/announcer.h"
#include "vrrp/service.h"
#include "vrrp/state_machine.h"
#include "vrrp/vip_manager.h"

namespace tandem::vrrp {

// The effects an instance has on the world.
class InstancePorts {
 public:
  virtual ~InstancePorts() = default;
  virtual base::Status send_advert(std::span<const uint8_t> message, Ipv4 source, Ipv4 destination) = 0;
  virtual base::Status add_vip(const VipAddress& vip) = 0;
  virtual base::Status remove_vip(const VipAddress& vip) = 0;
  virtual base::Status send_garp(Ipv4 vip) = 0;
  virtual void run_hook(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env) = 0;
  virtual void state_changed(const StateChange& change) = 0;
};

class Instance {
 public:
  // `primary` is this node's address the adverts are sent from.
  Instance(struct ev_loop* loop, conf::VrrpConf conf, Ipv4 primary, InstancePorts& ports);
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const conf::VrrpConf& conf() const { return conf_; }

  // Initialize -> Backup (or Master for an owner, or Fault if the link is down).
  void start();
  // -> Initialize: a master resigns and removes its VIPs.
  void stop();

  // An advert for this VRID that passed parsing.
  void on_packet(const ReceivedAdvert& packet);
  // A packet for this VRID that failed a check.
  void count_drop(DropReason reason) { ++drops_[reason]; }

  void set_link(bool up);
  void set_penalty(int penalty);

  // Manual failover, the end of a hold, or the hand-over before a stop
  // (see FailoverMode). Returns the line for the operator; `done` says
  // whether anything happened.
  std::string failover(FailoverMode mode, bool& done);

  // The reloadable keys (priority, intervals, preempt, GARP, hooks, hold).
  void reconfigure(const conf::VrrpConf& conf);

  bool holds_vips() const { return machine_.holds_vips(); }
  State state() const { return machine_.state(); }
  InstanceStatus status(int ifindex) const;

 private:
  void execute(Actions& actions);
  void send_advert(uint8_t priority);
  void for_each_vip(bool add);
  void changed(const Action& a);
  void arm();
  void on_timer(int revents);

  struct ev_loop* loop_;
  conf::VrrpConf conf_;
  Ipv4 primary_;
  InstancePorts& ports_;
  StateMachine machine_;
  Announcer announcer_;
  base::TimerWatcher timer_;
  base::MonoTime up_since_{};
  DropCounters drops_;
  uint64_t garps_sent_ = 0;
  uint64_t send_errors_ = 0;
  uint64_t vip_errors_ = 0;
  uint64_t adverts_late_ = 0;
  std::chrono::microseconds max_advert_delay_{0};
  std::vector<uint8_t> buffer_;  // reused for encoding adverts
  base::RateLimitedLog error_log_{5, std::chrono::seconds(10)};
};

// The state machine's parameters for `conf` with adverts sent from `primary`.
InstanceParams params_from(const conf::VrrpConf& conf, Ipv4 primary);

}  // namespace tandem::vrrp
