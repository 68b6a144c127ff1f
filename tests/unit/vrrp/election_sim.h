#pragma once
// A LAN of VRRP routers on simulated time, for whole-election tests: each
// router is a vrrp::StateMachine; every SendAdvert it emits is encoded with
// the real codec, wrapped in an IPv4 header, parsed again and delivered to
// every other router `delay` later (multicast). The simulator also executes
// the VIP actions, so tests can ask who holds the VIPs at any moment, and it
// checks on every call that each state change came with exactly one
// StateChanged action (from the old state, to the new one).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "vrrp/packet.h"
#include "vrrp/state_machine.h"

// How Boost.Test prints the types these tests compare.
namespace tandem::vrrp {
inline std::ostream& boost_test_print_type(std::ostream& os, State s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, NewMasterReason r) { return os << to_string(r); }
inline std::ostream& boost_test_print_type(std::ostream& os, DropReason r) { return os << to_string(r); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Advert& a) {
  os << "{vrid " << int{a.vrid} << ", priority " << int{a.priority} << ", " << a.max_advert_cs << " cs,";
  for (Ipv4 addr : a.addresses) os << ' ' << format_ipv4(addr);
  return os << '}';
}
}  // namespace tandem::vrrp

template <>
struct boost::test_tools::tt_detail::print_log_value<tandem::base::MonoTime> {
  void operator()(std::ostream& os, const tandem::base::MonoTime& t) {
    if (t == tandem::base::MonoTime::max()) {
      os << "MonoTime::max()";
    } else if (t == tandem::base::MonoTime::min()) {
      os << "MonoTime::min()";
    } else {
      os << std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() << " us";
    }
  }
};

namespace tandem::vrrp::sim {

using base::MonoTime;

inline const MonoTime kT0 = MonoTime(std::chrono::seconds(1000));
inline constexpr Ipv4 kVip = 0x0A000064;  // 10.0.0.100
inline constexpr Ipv4 kAddr1 = 0x0A00000B;  // 10.0.0.11
inline constexpr Ipv4 kAddr2 = 0x0A00000C;  // 10.0.0.12
inline constexpr Ipv4 kAddr3 = 0x0A00000D;  // 10.0.0.13

inline InstanceParams params(uint8_t priority, Ipv4 address, Millis interval = Millis(1000)) {
  InstanceParams p;
  p.vrid = 51;
  p.priority = priority;
  p.advert_interval = interval;
  p.vips = {kVip};
  p.primary_address = address;
  return p;
}

// Wraps a VRRP message in a minimal IPv4 header (TTL 255, protocol 112).
inline std::vector<uint8_t> ip_packet(const std::vector<uint8_t>& vrrp, Ipv4 src, Ipv4 dst, uint8_t ttl = kTtl,
                                      uint8_t protocol = kProtocol) {
  std::vector<uint8_t> p(20, 0);
  const size_t total = 20 + vrrp.size();
  p[0] = 0x45;
  p[1] = 0xC0;
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
  p[8] = ttl;
  p[9] = protocol;
  for (int i = 0; i < 4; ++i) {
    p[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    p[16 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  const uint16_t c = checksum_fold(checksum_add(0, p));
  p[10] = static_cast<uint8_t>(c >> 8);
  p[11] = static_cast<uint8_t>(c);
  p.insert(p.end(), vrrp.begin(), vrrp.end());
  return p;
}

struct LoggedAction {
  MonoTime at;
  Action action;
};

struct Router {
  std::unique_ptr<StateMachine> sm;
  bool alive = true;      // false: crashed, silent and deaf
  bool connected = true;  // false: cut off from the LAN (split brain)
  bool vips = false;      // as executed from AddVips/RemoveVips
  std::vector<LoggedAction> log;
};

class ElectionSim {
 public:
  explicit ElectionSim(base::Nanos delay = std::chrono::milliseconds(1)) : delay_(delay) {}

  size_t add(InstanceParams p) {
    Router r;
    r.sm = std::make_unique<StateMachine>(std::move(p));
    routers_.push_back(std::move(r));
    return routers_.size() - 1;
  }
  StateMachine& sm(size_t i) { return *routers_[i].sm; }
  Router& router(size_t i) { return routers_[i]; }
  MonoTime now() const { return now_; }
  size_t size() const { return routers_.size(); }

  // Runs `f(state machine, now, out)` on router i and executes its actions.
  void act(size_t i, const std::function<void(StateMachine&, MonoTime, Actions&)>& f) {
    Actions out;
    const State before = sm(i).state();
    f(sm(i), now_, out);
    execute(i, before, out);
  }
  void start(size_t i) {
    act(i, [](StateMachine& m, MonoTime t, Actions& o) { m.start(t, o); });
  }
  void start_all() {
    for (size_t i = 0; i < size(); ++i) start(i);
  }

  // Crash: no priority 0, nothing more sent or received. The VIPs stay on
  // the dead box (as with kill -9) but nobody on the LAN can reach it.
  void kill(size_t i) { routers_[i].alive = false; }

  // A process restart: a fresh state machine with the same parameters.
  void restart(size_t i) {
    Router& r = routers_[i];
    r.sm = std::make_unique<StateMachine>(r.sm->params());
    r.alive = true;
    r.vips = false;
    r.log.clear();
    start(i);
  }

  // Processes every timer and delivery due up to `until`, in time order
  // (deliveries first when due at the same instant), then sets now = until.
  void run_until(MonoTime until) {
    for (int guard = 0; guard < 10'000'000; ++guard)
      if (!step(until)) return;
    BOOST_FAIL("simulation did not settle");
  }
  void run_for(base::Nanos d) { run_until(now_ + d); }

  // Runs until `pred()` holds (checked after every event) or `limit` passes.
  // Returns whether it held; now() is then the moment it first held.
  bool run_until_true(const std::function<bool()>& pred, base::Nanos limit) {
    const MonoTime end = now_ + limit;
    for (int guard = 0; guard < 10'000'000; ++guard) {
      if (pred()) return true;
      if (!step(end)) return false;
    }
    BOOST_FAIL("simulation did not settle");
    return false;
  }

  size_t masters() const {
    size_t n = 0;
    for (const auto& r : routers_)
      if (r.alive && r.sm->state() == State::Master) ++n;
    return n;
  }
  size_t vip_holders() const {
    size_t n = 0;
    for (const auto& r : routers_)
      if (r.alive && r.vips) ++n;
    return n;
  }

  // The time of the first StateChanged to `to` at or after `since`, or max.
  MonoTime transition_time(size_t i, State to, MonoTime since = MonoTime::min()) const {
    for (const auto& l : routers_[i].log)
      if (l.at >= since && l.action.kind == Action::Kind::StateChanged && l.action.to == to) return l.at;
    return MonoTime::max();
  }
  // The actions of router i logged at or after `since`.
  std::vector<Action> actions_since(size_t i, MonoTime since) const {
    std::vector<Action> v;
    for (const auto& l : routers_[i].log)
      if (l.at >= since) v.push_back(l.action);
    return v;
  }
  // How many actions of kind `k` router i emitted since its last restart.
  size_t count(size_t i, Action::Kind k) const {
    return static_cast<size_t>(std::count_if(routers_[i].log.begin(), routers_[i].log.end(),
                                             [k](const LoggedAction& l) { return l.action.kind == k; }));
  }

 private:
  using Key = std::pair<MonoTime, uint64_t>;  // delivery time, then FIFO
  struct Delivery {
    size_t to;
    std::vector<uint8_t> bytes;
  };

  // Runs the earliest timer or delivery if it is due by `end` and returns
  // true; otherwise sets now = end and returns false.
  bool step(MonoTime end) {
    MonoTime next_timer = MonoTime::max();
    size_t who = 0;
    for (size_t i = 0; i < size(); ++i) {
      if (routers_[i].alive && sm(i).next_deadline() < next_timer) {
        next_timer = sm(i).next_deadline();
        who = i;
      }
    }
    const MonoTime next_packet = queue_.empty() ? MonoTime::max() : queue_.begin()->first.first;
    const MonoTime next = std::min(next_timer, next_packet);
    if (next > end) {
      now_ = std::max(now_, end);
      return false;
    }
    now_ = std::max(now_, next);
    if (next_packet <= next_timer)
      deliver_first();
    else
      act(who, [](StateMachine& m, MonoTime t, Actions& o) { m.on_timer(t, o); });
    return true;
  }

  void deliver_first() {
    auto it = queue_.begin();
    Delivery d = std::move(it->second);
    queue_.erase(it);
    Router& r = routers_[d.to];
    if (!r.alive || !r.connected) return;
    const ParseResult p = parse_ipv4_packet(d.bytes);
    BOOST_REQUIRE(p.ok);
    act(d.to, [&](StateMachine& m, MonoTime t, Actions& o) { m.on_advert(t, p.packet, o); });
  }

  void execute(size_t i, State before, const Actions& out) {
    Router& r = routers_[i];
    State s = before;
    for (const Action& a : out) {
      r.log.push_back({now_, a});
      switch (a.kind) {
        case Action::Kind::AddVips:
          BOOST_CHECK_MESSAGE(!r.vips, "AddVips while holding them");
          r.vips = true;
          break;
        case Action::Kind::RemoveVips:
          BOOST_CHECK_MESSAGE(r.vips, "RemoveVips without holding them");
          r.vips = false;
          break;
        case Action::Kind::AnnounceVips:
          BOOST_CHECK_MESSAGE(r.vips, "AnnounceVips without holding them");
          break;
        case Action::Kind::SendAdvert:
          if (r.alive && r.connected) multicast(i, a.priority);
          break;
        case Action::Kind::StateChanged:
          BOOST_CHECK(a.from == s);
          BOOST_CHECK(a.to != a.from);
          BOOST_CHECK(!a.reason.empty());
          s = a.to;
          break;
      }
    }
    BOOST_CHECK_MESSAGE(s == r.sm->state(), "state changed without a StateChanged action");
    BOOST_CHECK(r.vips == r.sm->holds_vips());
  }

  void multicast(size_t from, uint8_t priority) {
    const StateMachine& m = sm(from);
    Advert a;
    a.vrid = m.params().vrid;
    a.priority = priority;
    a.max_advert_cs = static_cast<uint16_t>(m.params().advert_interval.count() / 10);
    a.addresses = m.params().vips;
    std::vector<uint8_t> vrrp;
    encode(a, m.params().primary_address, kMulticastGroup, vrrp);
    const std::vector<uint8_t> bytes = ip_packet(vrrp, m.params().primary_address, kMulticastGroup);
    for (size_t to = 0; to < size(); ++to) {
      if (to == from) continue;
      queue_.emplace(Key{now_ + delay_, seq_++}, Delivery{to, bytes});
    }
  }

  base::Nanos delay_;
  MonoTime now_ = kT0;
  uint64_t seq_ = 0;
  std::vector<Router> routers_;
  std::map<Key, Delivery> queue_;
};

}  // namespace tandem::vrrp::sim
