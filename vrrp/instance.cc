#include "vrrp/instance.h"

#include <algorithm>

#include "vrrp/interface_info.h"

namespace tandem::vrrp {
namespace {

base::MonoTime now() { return base::SystemClock::instance().now(); }

AnnounceSchedule schedule_of(const conf::VrrpConf& c) {
  return AnnounceSchedule{c.garp_count, c.garp_interval, c.garp_delay, c.garp_refresh};
}

}  // namespace

InstanceParams params_from(const conf::VrrpConf& c, Ipv4 primary) {
  InstanceParams p;
  p.vrid = static_cast<uint8_t>(c.vrid);
  p.priority = static_cast<uint8_t>(c.priority);
  p.advert_interval = c.advert_interval;
  p.preempt = c.preempt;
  p.preempt_delay = c.preempt_delay;
  p.accept_mode = c.accept_mode;
  for (const auto& v : c.vips) p.vips.push_back(v.address);
  p.primary_address = primary;
  return p;
}

Instance::Instance(struct ev_loop* loop, conf::VrrpConf conf, Ipv4 primary, InstancePorts& ports)
    : loop_(loop),
      conf_(std::move(conf)),
      primary_(primary),
      ports_(ports),
      machine_(params_from(conf_, primary)),
      announcer_(loop,
                 [this](Ipv4 vip) {
                   if (auto s = ports_.send_garp(vip); !s) {
                     ++send_errors_;
                     error_log_.log(base::LogLevel::Warning, "vrrp %s: gratuitous ARP for %s: %s", conf_.name.c_str(),
                                    format_ipv4(vip).c_str(), s.error().message.c_str());
                   } else {
                     ++garps_sent_;
                   }
                 }),
      timer_(loop, &base::member_callback<Instance, &Instance::on_timer>, this) {
  announcer_.set_schedule(schedule_of(conf_));
}

void Instance::start() {
  Actions actions;
  machine_.start(now(), actions);
  execute(actions);
}

void Instance::stop() {
  Actions actions;
  machine_.stop(now(), actions);
  execute(actions);
  announcer_.stop();
  timer_.stop();
}

void Instance::on_packet(const ReceivedAdvert& packet) {
  Actions actions;
  machine_.on_advert(now(), packet, actions);
  execute(actions);
}

void Instance::set_link(bool up) {
  Actions actions;
  machine_.set_link(up, now(), actions);
  execute(actions);
}

void Instance::set_penalty(int penalty) {
  Actions actions;
  machine_.set_penalty(penalty, now(), actions);
  execute(actions);
}

std::string Instance::failover(FailoverMode mode, bool& done) {
  Actions actions;
  std::string line;
  done = false;
  if (mode == FailoverMode::Release) {
    done = machine_.hold_until() > now();
    machine_.release_hold(now(), actions);
    line = done ? "hold released: it may preempt again" : "no failover hold to release";
  } else {
    const bool stopping = mode == FailoverMode::Stop;
    base::Status s = stopping ? machine_.failover(Millis::max(), now(), actions, "stopping: handing over")
                              : machine_.failover(conf_.failover_hold, now(), actions);
    done = s.ok();
    if (s.ok() && stopping) {
      line = "resigned (priority 0 sent) before stopping";
    } else if (s.ok()) {
      line = "resigned (priority 0 sent); the VIPs stay until the peer has taken over; no preempting back for " +
             std::to_string(conf_.failover_hold.count() / 1000) + "s (tandemctl failover --release ends that)";
    } else {
      line = s.error().message;
    }
  }
  execute(actions);
  return conf_.name + ": " + line;
}

void Instance::reconfigure(const conf::VrrpConf& conf) {
  conf_ = conf;
  announcer_.set_schedule(schedule_of(conf_));
  Actions actions;
  machine_.update(params_from(conf_, primary_), now(), actions);
  execute(actions);
}

void Instance::execute(Actions& actions) {
  for (const Action& a : actions) {
    switch (a.kind) {
      case Action::Kind::SendAdvert:
        send_advert(a.priority);
        break;
      case Action::Kind::AddVips:
        for_each_vip(true);
        break;
      case Action::Kind::RemoveVips:
        announcer_.stop();
        for_each_vip(false);
        break;
      case Action::Kind::AnnounceVips: {
        std::vector<Ipv4> vips;
        for (const auto& v : conf_.vips) vips.push_back(v.address);
        announcer_.announce(std::move(vips));
        break;
      }
      case Action::Kind::StateChanged:
        changed(a);
        break;
    }
  }
  actions.clear();
  arm();
}

void Instance::send_advert(uint8_t priority) {
  Advert advert;
  advert.vrid = static_cast<uint8_t>(conf_.vrid);
  advert.priority = priority;
  advert.max_advert_cs = static_cast<uint16_t>(conf_.advert_interval.count() / 10);
  for (const auto& v : conf_.vips) advert.addresses.push_back(v.address);
  auto send_to = [&](Ipv4 destination) {
    buffer_.clear();
    encode(advert, primary_, destination, buffer_);
    if (auto s = ports_.send_advert(buffer_, primary_, destination); !s) {
      ++send_errors_;
      error_log_.log(base::LogLevel::Warning, "vrrp %s: advert to %s: %s", conf_.name.c_str(),
                     format_ipv4(destination).c_str(), s.error().message.c_str());
    }
  };
  if (conf_.unicast_peers.empty()) {
    send_to(kMulticastGroup);
  } else {
    for (Ipv4 peer : conf_.unicast_peers) send_to(peer);
  }
}

void Instance::for_each_vip(bool add) {
  for (const auto& v : conf_.vips) {
    VipAddress vip{v.address, v.prefix_len};
    base::Status s = add ? ports_.add_vip(vip) : ports_.remove_vip(vip);
    if (!s) {
      ++vip_errors_;
      TLOG_ERROR("vrrp %s: cannot %s VIP %s: %s", conf_.name.c_str(), add ? "add" : "remove", v.text.c_str(),
                 s.error().message.c_str());
    }
  }
}

void Instance::changed(const Action& a) {
  if (a.from == State::Initialize) up_since_ = now();
  if (a.to == State::Initialize) up_since_ = {};
  if (a.to != State::Master) announcer_.stop();
  TLOG_NOTICE("vrrp %s: %s -> %s (%s)", conf_.name.c_str(), to_string(a.from), to_string(a.to), a.reason.c_str());
  std::vector<std::pair<std::string, std::string>> env = {
      {"TANDEM_INSTANCE", conf_.name},
      {"TANDEM_STATE", to_string(a.to)},
      {"TANDEM_PREVIOUS_STATE", to_string(a.from)},
      {"TANDEM_REASON", a.reason},
      {"TANDEM_VRID", std::to_string(conf_.vrid)},
      {"TANDEM_INTERFACE", conf_.interface},
      {"TANDEM_PRIORITY", std::to_string(machine_.effective_priority())},
  };
  const std::string* hook = nullptr;
  if (a.to == State::Master) hook = &conf_.notify_master;
  if (a.to == State::Backup) hook = &conf_.notify_backup;
  if (a.to == State::Fault) hook = &conf_.notify_fault;
  if (hook != nullptr && !hook->empty()) ports_.run_hook(*hook, env);
  if (!conf_.notify.empty()) ports_.run_hook(conf_.notify, env);
  ports_.state_changed(StateChange{base::SystemClock::instance().wall_now(), conf_.name, a.from, a.to, a.reason});
}

void Instance::arm() {
  base::MonoTime deadline = machine_.next_deadline();
  if (deadline == base::MonoTime::max()) {
    timer_.stop();
    return;
  }
  auto delay = std::chrono::duration<double>(deadline - now()).count();
  // libev measures `after` from the loop's cached time; refresh it so that
  // the time spent since the loop woke up is not added to the delay.
  ev_now_update(loop_);
  timer_.stop();
  timer_.start(std::max(delay, 0.0));
}

void Instance::on_timer(int) {
  const base::MonoTime due = machine_.next_deadline();
  const base::MonoTime t = now();
  const bool was_master = machine_.state() == State::Master;
  Actions actions;
  machine_.on_timer(t, actions);
  // A master's timer is its Adver_Timer: measure how late the advert is.
  if (was_master && due != base::MonoTime::max() && t >= due &&
      std::any_of(actions.begin(), actions.end(), [](const Action& a) { return a.kind == Action::Kind::SendAdvert; })) {
    auto delay = std::chrono::duration_cast<std::chrono::microseconds>(t - due);
    max_advert_delay_ = std::max(max_advert_delay_, delay);
    if (delay * 10 > conf_.advert_interval) {
      ++adverts_late_;
      error_log_.log(base::LogLevel::Warning, "vrrp %s: advert sent %lldus late (interval %lldms)",
                     conf_.name.c_str(), static_cast<long long>(delay.count()),
                     static_cast<long long>(conf_.advert_interval.count()));
    }
  }
  execute(actions);
}

InstanceStatus Instance::status(int ifindex) const {
  InstanceStatus s;
  s.name = conf_.name;
  s.interface = conf_.interface;
  s.ifindex = ifindex;
  s.vrid = conf_.vrid;
  s.state = machine_.state();
  s.priority = machine_.effective_priority();
  s.base_priority = conf_.priority;
  s.penalty = s.base_priority == s.priority ? 0 : s.base_priority - s.priority;
  s.primary_address = primary_;
  s.master_address = machine_.master_address();
  s.advert_interval = conf_.advert_interval;
  s.master_advert_interval = machine_.master_advert_interval();
  s.preempt = conf_.preempt;
  s.accept_mode = conf_.accept_mode;
  s.holds_vips = machine_.holds_vips();
  s.vips = conf_.vips;
  s.unicast_peers = conf_.unicast_peers;
  s.state_since = machine_.state_since();
  s.up_since = up_since_;
  base::MonoTime hold = machine_.hold_until();
  base::MonoTime t = now();
  s.hold_remaining = hold > t ? std::chrono::duration_cast<Millis>(hold - t) : Millis(0);
  s.stats = machine_.stats();
  s.drops = drops_;
  s.garps_sent = garps_sent_;
  s.send_errors = send_errors_;
  s.vip_errors = vip_errors_;
  s.adverts_late = adverts_late_;
  s.max_advert_delay = max_advert_delay_;
  return s;
}

}  // namespace tandem::vrrp
