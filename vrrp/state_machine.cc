// RFC 5798 6.4 with the extensions listed in state_machine.h.
//
// Conventions:
//  - Timers are absolute MonoTimes; MonoTime::max() means "not running".
//  - Every transition ends with exactly one StateChanged action, after the
//    effects that make the new state true (VIPs added or removed, adverts
//    sent), so whoever reacts to it sees the node as it now is.
//  - Priorities in comparisons and in Skew_Time are effective priorities.

#include "vrrp/state_machine.h"

#include <algorithm>
#include <cstdio>

#include "vrrp/timing.h"

namespace tandem::vrrp {
namespace {

using Micros = std::chrono::microseconds;
using base::MonoTime;

// "3.609s", "0.36s", "12s": enough to read, short enough for a log line.
std::string format_seconds(MonoTime::duration d) {
  const auto ms = std::chrono::duration_cast<Millis>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  std::string s(buf);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "s";
}

Action make_action(Action::Kind kind) {
  Action a;
  a.kind = kind;
  return a;
}

Action state_changed(State from, State to, std::string reason) {
  Action a = make_action(Action::Kind::StateChanged);
  a.from = from;
  a.to = to;
  a.reason = std::move(reason);
  return a;
}

bool same_addresses(std::vector<Ipv4> a, std::vector<Ipv4> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::Initialize: return "init";
    case State::Backup: return "backup";
    case State::Master: return "master";
    case State::Fault: return "fault";
  }
  return "unknown";
}

const char* to_string(NewMasterReason r) {
  switch (r) {
    case NewMasterReason::NotMaster: return "notMaster";
    case NewMasterReason::Priority: return "priority";
    case NewMasterReason::Preempted: return "preempted";
    case NewMasterReason::MasterNoResponse: return "masterNoResponse";
  }
  return "unknown";
}

Millis release_linger(Millis advert_interval) { return std::min(Millis(200), 2 * advert_interval); }

StateMachine::StateMachine(InstanceParams params)
    : params_(std::move(params)), master_advert_interval_(params_.advert_interval) {}

uint8_t StateMachine::effective_priority() const {
  if (penalty_ <= 0) return params_.priority;
  return static_cast<uint8_t>(std::clamp(int{params_.priority} - penalty_, 1, 254));
}

bool StateMachine::hold_active(MonoTime now) const { return hold_until_ != MonoTime::min() && now < hold_until_; }

Micros StateMachine::down_interval() const {
  return master_down_interval(effective_priority(), std::chrono::duration_cast<Micros>(master_advert_interval_));
}

void StateMachine::send_advert(uint8_t priority, Actions& out) {
  Action a = make_action(Action::Kind::SendAdvert);
  a.priority = priority;
  out.push_back(std::move(a));
  ++stats_.adverts_sent;
  if (priority == kPriorityResign) ++stats_.priority_zero_sent;
}

void StateMachine::remove_vips(Actions& out) {
  release_at_ = MonoTime::max();
  if (!holds_vips_) return;
  out.push_back(make_action(Action::Kind::RemoveVips));
  holds_vips_ = false;
}

void StateMachine::transition(State to, MonoTime now, std::string reason, Actions& out) {
  out.push_back(state_changed(state_, to, std::move(reason)));
  state_ = to;
  state_since_ = now;
}

// Initialize -> Master, Backup or Fault (RFC 5798 6.4.1).
void StateMachine::enter(MonoTime now, const char* why, Actions& out) {
  if (!link_up_) {
    transition(State::Fault, now, "link down", out);
    return;
  }
  if (effective_priority() == kPriorityOwner) {
    become_master(now, NewMasterReason::Priority, std::string(why) + ", priority 255 (address owner)", out);
    return;
  }
  master_advert_interval_ = params_.advert_interval;
  master_address_ = 0;
  last_advert_at_ = now;
  master_down_timer_ = now + down_interval();
  transition(State::Backup, now, why, out);
}

void StateMachine::become_master(MonoTime now, NewMasterReason why, std::string reason, Actions& out) {
  if (!holds_vips_) {
    out.push_back(make_action(Action::Kind::AddVips));
    holds_vips_ = true;
  }
  release_at_ = MonoTime::max();
  send_advert(effective_priority(), out);
  out.push_back(make_action(Action::Kind::AnnounceVips));
  adver_timer_ = now + params_.advert_interval;
  master_down_timer_ = MonoTime::max();
  master_address_ = params_.primary_address;
  master_advert_interval_ = params_.advert_interval;
  forget_peers();
  hold_until_ = MonoTime::min();  // as master, there is nothing left to hold back from
  ++stats_.master_transitions;
  stats_.new_master_reason = why;
  transition(State::Master, now, std::move(reason), out);
}

// Master -> Backup on a better master's advert; VIPs go first.
void StateMachine::become_backup(MonoTime now, std::string reason, Actions& out) {
  remove_vips(out);
  adver_timer_ = MonoTime::max();
  transition(State::Backup, now, std::move(reason), out);
}

// A (non-zero priority) advert is taken as coming from the master:
// learn its interval and restart the Master_Down_Timer (RFC 5798 6.4.2).
void StateMachine::accept_master(MonoTime now, const ReceivedAdvert& packet) {
  if (packet.advert.max_advert_cs != 0) master_advert_interval_ = Millis(10 * packet.advert.max_advert_cs);
  master_address_ = packet.source;
  last_advert_at_ = now;
  discarded_lower_ = false;
  resigned_ = false;
  master_down_timer_ = now + down_interval();
}

void StateMachine::start(MonoTime now, Actions& out) {
  if (state_ != State::Initialize) return;
  enter(now, "started", out);
}

void StateMachine::stop(MonoTime now, Actions& out) {
  if (state_ == State::Initialize) return;
  if (state_ == State::Master) send_advert(kPriorityResign, out);
  hold_until_ = MonoTime::min();
  leave(State::Initialize, now, "stopped", out);
}

// Out of the protocol (Initialize or Fault): no VIPs, no timers, nothing
// remembered of the other routers.
void StateMachine::leave(State to, MonoTime now, const char* reason, Actions& out) {
  remove_vips(out);
  adver_timer_ = MonoTime::max();
  master_down_timer_ = MonoTime::max();
  forget_peers();
  master_address_ = 0;
  transition(to, now, reason, out);
}

void StateMachine::forget_peers() {
  lower_master_seen_since_ = MonoTime::max();
  discarded_lower_ = false;
  resigned_ = false;
}

void StateMachine::count_received(const Advert& advert) {
  ++stats_.adverts_received;
  if (advert.priority == kPriorityResign) ++stats_.priority_zero_received;
  if (!same_addresses(advert.addresses, params_.vips)) ++stats_.address_list_errors;
  if (Millis(10 * advert.max_advert_cs) != params_.advert_interval) ++stats_.advert_interval_errors;
}

void StateMachine::on_advert(MonoTime now, const ReceivedAdvert& packet, Actions& out) {
  if (state_ != State::Backup && state_ != State::Master) return;
  // Our own advert looped back (multicast loop is off, but a bridge may
  // reflect it): it says nothing about anybody else.
  if (params_.primary_address != 0 && packet.source == params_.primary_address) return;
  count_received(packet.advert);
  if (state_ == State::Master)
    master_receive(now, packet, out);
  else
    backup_receive(now, packet, out);
}

void StateMachine::backup_receive(MonoTime now, const ReceivedAdvert& packet, Actions& /*out*/) {
  const Advert& a = packet.advert;
  if (a.priority == kPriorityResign) {
    // The master resigns: take over after Skew_Time (RFC 5798 6.4.2).
    master_down_timer_ = now + skew_time(effective_priority(), std::chrono::duration_cast<Micros>(master_advert_interval_));
    resigned_ = true;
    return;
  }
  // Another router advertises: after a failover, it is the new master and
  // owns the VIPs now, whether we accept it or are about to preempt it.
  // Ours go after a linger (answers in flight still leave from the VIP).
  if (holds_vips_ && release_at_ == MonoTime::max()) release_at_ = now + release_linger(params_.advert_interval);
  if (params_.preempt && a.priority < effective_priority()) {
    if (lower_master_seen_since_ == MonoTime::max()) lower_master_seen_since_ = now;
    const bool delay_over = now - lower_master_seen_since_ >= params_.preempt_delay;
    if (delay_over && !hold_active(now)) {
      // Discard: the Master_Down_Timer runs out and we preempt.
      discarded_lower_ = true;
      lower_address_ = packet.source;
      lower_priority_ = a.priority;
      return;
    }
  } else {
    lower_master_seen_since_ = MonoTime::max();
  }
  accept_master(now, packet);
}

void StateMachine::master_receive(MonoTime now, const ReceivedAdvert& packet, Actions& out) {
  const Advert& a = packet.advert;
  const uint8_t mine = effective_priority();
  if (a.priority == kPriorityResign) {
    // Another router resigns while we are master: confirm at once (6.4.3).
    send_advert(mine, out);
    adver_timer_ = now + params_.advert_interval;
    return;
  }
  if (a.priority > mine || (a.priority == mine && packet.source > params_.primary_address)) {
    // One last advert as master: a winner that never heard us (split brain
    // heal) answers it by re-announcing the VIPs to our former neighbours.
    send_advert(mine, out);
    accept_master(now, packet);
    lower_master_seen_since_ = MonoTime::max();
    std::string reason = a.priority > mine ? "higher priority " + std::to_string(a.priority) + " from "
                                           : "equal priority " + std::to_string(a.priority) + " and higher address ";
    become_backup(now, reason + format_ipv4(packet.source), out);
    return;
  }
  // A lower master: split brain healing. The RFC discards the advert; we
  // also answer at once, so it steps down now rather than at our next
  // advert, and re-announce the VIPs for ARP caches that followed it.
  const bool due = last_split_brain_answer_ == MonoTime::min() ||
                   now - last_split_brain_answer_ >= params_.advert_interval;
  if (!due) return;
  last_split_brain_answer_ = now;
  send_advert(mine, out);
  out.push_back(make_action(Action::Kind::AnnounceVips));
  adver_timer_ = now + params_.advert_interval;
}

// The Master_Down_Timer ran out in Backup: say why, then take over.
void StateMachine::master_down(MonoTime now, Actions& out) {
  const std::string waited = format_seconds(now - last_advert_at_);
  if (holds_vips_) {
    become_master(now, NewMasterReason::MasterNoResponse,
                  "no advert from a new master for " + waited + " after manual failover (master down)", out);
  } else if (discarded_lower_) {
    become_master(now, NewMasterReason::Preempted,
                  "preempting lower priority " + std::to_string(lower_priority_) + " of " + format_ipv4(lower_address_),
                  out);
  } else if (resigned_ && master_address_ != 0) {
    become_master(now, NewMasterReason::MasterNoResponse,
                  "master " + format_ipv4(master_address_) + " resigned (priority 0)", out);
  } else if (resigned_) {
    become_master(now, NewMasterReason::MasterNoResponse, "master resigned (priority 0)", out);
  } else if (master_address_ != 0) {
    become_master(now, NewMasterReason::MasterNoResponse,
                  "no advert from " + format_ipv4(master_address_) + " for " + waited + " (master down)", out);
  } else {
    become_master(now, NewMasterReason::MasterNoResponse, "no advert for " + waited + " (master down)", out);
  }
}

void StateMachine::on_timer(MonoTime now, Actions& out) {
  if (hold_until_ != MonoTime::min() && now >= hold_until_) hold_until_ = MonoTime::min();
  if (state_ == State::Master && now >= adver_timer_) {
    send_advert(effective_priority(), out);
    adver_timer_ = now + params_.advert_interval;
    return;
  }
  if (state_ == State::Backup && now >= release_at_) remove_vips(out);
  if (state_ == State::Backup && now >= master_down_timer_) {
    master_down(now, out);
  }
}

MonoTime StateMachine::next_deadline() const {
  MonoTime next = MonoTime::max();
  if (state_ == State::Master) next = adver_timer_;
  if (state_ == State::Backup) next = std::min(master_down_timer_, release_at_);
  if (hold_until_ != MonoTime::min()) next = std::min(next, hold_until_);
  return next;
}

void StateMachine::set_link(bool up, MonoTime now, Actions& out) {
  if (up == link_up_) return;
  link_up_ = up;
  if (up) {
    if (state_ != State::Fault) return;
    transition(State::Initialize, now, "link up", out);
    enter(now, "link up", out);
    return;
  }
  // Not started (or stopped): only remembered, so that start() goes to Fault.
  if (state_ == State::Initialize || state_ == State::Fault) return;
  leave(State::Fault, now, "link down", out);
}

void StateMachine::set_penalty(int penalty, MonoTime now, Actions& out) {
  const uint8_t before = effective_priority();
  penalty_ = std::max(penalty, 0);
  if (state_ == State::Master && effective_priority() != before) {
    send_advert(effective_priority(), out);
    adver_timer_ = now + params_.advert_interval;
  }
}

base::Status StateMachine::failover(Millis hold, MonoTime now, Actions& out, const char* reason) {
  if (state_ != State::Master)
    return base::make_error(std::string("not master (state ") + to_string(state_) + "): nothing to hand over");
  send_advert(kPriorityResign, out);
  adver_timer_ = MonoTime::max();
  if (hold <= Millis::zero()) {
    hold_until_ = MonoTime::min();
  } else if (hold >= std::chrono::duration_cast<Millis>(MonoTime::max() - now)) {
    hold_until_ = MonoTime::max();  // until release_hold()
  } else {
    hold_until_ = now + hold;
  }
  // We keep the VIPs until the new master is heard (backup_receive) or
  // Master_Down_Interval passes without one (master_down).
  master_advert_interval_ = params_.advert_interval;
  master_address_ = 0;
  last_advert_at_ = now;
  forget_peers();
  master_down_timer_ = now + down_interval();
  transition(State::Backup, now, reason, out);
  return {};
}

void StateMachine::release_hold(MonoTime /*now*/, Actions& /*out*/) {
  // Nothing to do at once: the next lower-priority advert is discarded and
  // the usual preemption (Master_Down_Interval later) follows.
  hold_until_ = MonoTime::min();
}

void StateMachine::update(InstanceParams params, MonoTime now, Actions& out) {
  const uint8_t before = effective_priority();
  const Millis interval_before = params_.advert_interval;
  params_ = std::move(params);
  if (state_ != State::Master) return;
  master_address_ = params_.primary_address;
  master_advert_interval_ = params_.advert_interval;
  if (effective_priority() != before || params_.advert_interval != interval_before) {
    send_advert(effective_priority(), out);
    adver_timer_ = now + params_.advert_interval;
  }
}

}  // namespace tandem::vrrp
