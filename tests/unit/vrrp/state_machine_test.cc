#define BOOST_TEST_DYN_LINK
#include "vrrp/state_machine.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/unit/vrrp/election_sim.h"
#include "vrrp/timing.h"

using namespace tandem::vrrp;
using namespace tandem::vrrp::sim;
using namespace std::chrono_literals;
using Micros = std::chrono::microseconds;
using K = Action::Kind;

// Times in elections are asserted to within 1 ms, as the brief asks.
#define CHECK_TIME(actual, expected)                                                                           \
  BOOST_CHECK_MESSAGE(std::chrono::abs((actual) - (expected)) <= 1ms,                                          \
                      #actual " off by "                                                                       \
                          << std::chrono::duration_cast<Micros>((actual) - (expected)).count() << " us")

namespace {

// "add send:100 announce backup>master": an action list, readable in failures.
std::string describe(const std::vector<Action>& v) {
  std::string s;
  for (const Action& a : v) {
    if (!s.empty()) s += ' ';
    switch (a.kind) {
      case K::AddVips: s += "add"; break;
      case K::RemoveVips: s += "remove"; break;
      case K::AnnounceVips: s += "announce"; break;
      case K::SendAdvert: s += "send:" + std::to_string(a.priority); break;
      case K::StateChanged: s += std::string(to_string(a.from)) + ">" + to_string(a.to); break;
    }
  }
  return s;
}

std::string st(const StateMachine& m) { return to_string(m.state()); }

// The reason of the last StateChanged in `v` ("" if none).
std::string last_reason(const std::vector<Action>& v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    if (it->kind == K::StateChanged) return it->reason;
  return "";
}

ReceivedAdvert advert_from(Ipv4 source, uint8_t priority, uint16_t cs = 100, std::vector<Ipv4> vips = {kVip}) {
  ReceivedAdvert r;
  r.source = source;
  r.destination = kMulticastGroup;
  r.ttl = 255;
  r.advert = Advert{51, priority, cs, std::move(vips)};
  return r;
}

Micros mdi(uint8_t priority, Micros interval = 1s) { return master_down_interval(priority, interval); }
Micros skew(uint8_t priority, Micros interval = 1s) { return skew_time(priority, interval); }

// The time router i last emitted SendAdvert at or before `before`.
MonoTime last_send(ElectionSim& s, size_t i, MonoTime before) {
  MonoTime t = MonoTime::min();
  for (const auto& l : s.router(i).log)
    if (l.action.kind == K::SendAdvert && l.at <= before) t = l.at;
  return t;
}

// The stats must count exactly what was emitted.
void check_sent_stats(ElectionSim& s, size_t i) {
  size_t zero = 0;
  for (const auto& l : s.router(i).log)
    if (l.action.kind == K::SendAdvert && l.action.priority == 0) ++zero;
  BOOST_TEST(s.sm(i).stats().adverts_sent == s.count(i, K::SendAdvert));
  BOOST_TEST(s.sm(i).stats().priority_zero_sent == zero);
}

// Two routers, A (10.0.0.11) and B (10.0.0.12), running for 10 s.
struct Pair {
  ElectionSim s;
  size_t a, b;
  Pair(InstanceParams pa, InstanceParams pb) {
    a = s.add(std::move(pa));
    b = s.add(std::move(pb));
    s.start_all();
    s.run_for(10s);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_state_machine)

BOOST_AUTO_TEST_CASE(timing_follows_rfc_5798) {
  BOOST_TEST(skew(100).count() == 609375);  // 156/256 s
  BOOST_TEST(mdi(100).count() == 3609375);
  BOOST_TEST(skew(0).count() == 1000000);
  BOOST_TEST(skew(255).count() == 3906);
  BOOST_TEST(skew(128, 20ms).count() == 10000);
  BOOST_TEST(mdi(255, 10ms).count() == 30039);
  // Wherever the RFC's centisecond formula gives a whole number, the same
  // value; otherwise the exact value truncated to the microsecond.
  for (int p = 0; p <= 255; ++p) {
    for (int cs : {1, 2, 3, 8, 16, 100, 256, 4095}) {
      const int64_t exact_x256_us = int64_t{256 - p} * cs * 10000;
      const Micros got = skew(static_cast<uint8_t>(p), Micros(cs * 10000));
      if ((256 - p) * cs % 256 == 0) BOOST_REQUIRE(got.count() == (256 - p) * cs / 256 * 10000);
      BOOST_REQUIRE(got.count() * 256 <= exact_x256_us);
      BOOST_REQUIRE(got.count() * 256 > exact_x256_us - 256);
      BOOST_REQUIRE(mdi(static_cast<uint8_t>(p), Micros(cs * 10000)) == 3 * Micros(cs * 10000) + got);
    }
  }
  // At 10 ms the skew still orders priorities (integer centiseconds would not).
  BOOST_TEST(skew(200, 10ms) < skew(100, 10ms));
}

BOOST_AUTO_TEST_CASE(enum_names) {
  BOOST_TEST(std::string(to_string(State::Initialize)) == "init");
  BOOST_TEST(std::string(to_string(State::Backup)) == "backup");
  BOOST_TEST(std::string(to_string(State::Master)) == "master");
  BOOST_TEST(std::string(to_string(State::Fault)) == "fault");
  BOOST_TEST(std::string(to_string(NewMasterReason::MasterNoResponse)) == "masterNoResponse");
  BOOST_TEST(std::string(to_string(NewMasterReason::Preempted)) == "preempted");
}

BOOST_AUTO_TEST_CASE(backup_takes_over_when_master_down_timer_runs_out) {
  StateMachine m(params(100, kAddr1));
  Actions out;
  BOOST_TEST(m.next_deadline() == MonoTime::max());
  m.start(kT0, out);
  BOOST_TEST(describe(out) == "init>backup");
  BOOST_TEST(m.next_deadline() == kT0 + mdi(100));
  BOOST_TEST(m.master_address() == 0u);
  out.clear();
  m.on_timer(kT0 + mdi(100) - 1us, out);  // early: nothing
  BOOST_TEST(out.empty());
  m.start(kT0 + 1s, out);  // not in Initialize: nothing
  BOOST_TEST(out.empty());
  m.on_timer(kT0 + mdi(100), out);
  BOOST_TEST(describe(out) == "add send:100 announce backup>master");
  BOOST_TEST(last_reason(out) == "no advert for 3.609s (master down)");
  BOOST_TEST(m.stats().master_transitions == 1u);
  BOOST_TEST(m.stats().new_master_reason == NewMasterReason::MasterNoResponse);
  BOOST_TEST(m.master_address() == kAddr1);
  BOOST_TEST(m.state_since() == kT0 + mdi(100));
  BOOST_TEST(m.next_deadline() == kT0 + mdi(100) + 1s);
  out.clear();
  m.on_timer(kT0 + mdi(100) + 1s, out);
  BOOST_TEST(describe(out) == "send:100");
  BOOST_TEST(m.stats().adverts_sent == 2u);
}

BOOST_AUTO_TEST_CASE(owner_becomes_master_at_once) {
  StateMachine m(params(255, kAddr1));
  Actions out;
  m.start(kT0, out);
  BOOST_TEST(describe(out) == "add send:255 announce init>master");
  BOOST_TEST(m.stats().new_master_reason == NewMasterReason::Priority);
  BOOST_TEST(m.holds_vips());
  BOOST_TEST(m.next_deadline() == kT0 + 1s);
  // With a penalty it is no longer the owner: it starts as a backup.
  StateMachine p(params(255, kAddr1));
  p.set_penalty(1, kT0, out);
  out.clear();
  p.start(kT0, out);
  BOOST_TEST(describe(out) == "init>backup");
  BOOST_TEST(p.effective_priority() == 254);
}

BOOST_AUTO_TEST_CASE(adverts_are_ignored_before_start_in_fault_and_from_ourselves) {
  StateMachine m(params(100, kAddr1));
  Actions out;
  m.on_advert(kT0, advert_from(kAddr2, 200), out);
  BOOST_TEST(out.empty());
  BOOST_TEST(m.stats().adverts_received == 0u);
  m.start(kT0, out);
  out.clear();
  m.on_advert(kT0 + 1s, advert_from(kAddr1, 255), out);  // looped back
  BOOST_TEST(out.empty());
  BOOST_TEST(m.stats().adverts_received == 0u);
  BOOST_TEST(m.next_deadline() == kT0 + mdi(100));
  m.set_link(false, kT0 + 1s, out);
  BOOST_TEST(describe(out) == "backup>fault");
  out.clear();
  m.on_advert(kT0 + 2s, advert_from(kAddr2, 200), out);
  BOOST_TEST(out.empty());
  BOOST_TEST(m.stats().adverts_received == 0u);
  BOOST_TEST(m.next_deadline() == MonoTime::max());
}

BOOST_AUTO_TEST_CASE(backup_learns_and_counts_what_it_accepts) {
  StateMachine m(params(100, kAddr1));
  Actions out;
  m.start(kT0, out);
  out.clear();
  // Another interval and another address list: counted, processed anyway.
  m.on_advert(kT0 + 1s, advert_from(kAddr2, 200, 50, {kVip, kVip + 1}), out);
  BOOST_TEST(out.empty());
  BOOST_TEST(m.master_address() == kAddr2);
  BOOST_TEST(m.master_advert_interval() == 500ms);
  BOOST_TEST(m.next_deadline() == kT0 + 1s + mdi(100, 500ms));
  BOOST_TEST(m.stats().adverts_received == 1u);
  BOOST_TEST(m.stats().address_list_errors == 1u);
  BOOST_TEST(m.stats().advert_interval_errors == 1u);
  // Same list in another order is no error.
  m.on_advert(kT0 + 2s, advert_from(kAddr2, 200, 100, {kVip}), out);
  BOOST_TEST(m.stats().address_list_errors == 1u);
  BOOST_TEST(m.stats().advert_interval_errors == 1u);
  BOOST_TEST(m.master_advert_interval() == 1000ms);
  // Priority 0: Master_Down_Timer = Skew_Time, nothing else.
  m.on_advert(kT0 + 2500ms, advert_from(kAddr2, 0), out);
  BOOST_TEST(out.empty());
  BOOST_TEST(m.stats().priority_zero_received == 1u);
  BOOST_TEST(m.next_deadline() == kT0 + 2500ms + skew(100));
  m.on_timer(kT0 + 2500ms + skew(100), out);
  BOOST_TEST(describe(out) == "add send:100 announce backup>master");
  BOOST_TEST(last_reason(out) == "master 10.0.0.12 resigned (priority 0)");
  BOOST_TEST(m.stats().new_master_reason == NewMasterReason::MasterNoResponse);
}

BOOST_AUTO_TEST_CASE(master_answers_priority_zero_and_lower_masters_at_once) {
  StateMachine m(params(255, kAddr1));
  Actions out;
  m.start(kT0, out);
  out.clear();
  m.on_advert(kT0 + 300ms, advert_from(kAddr2, 0), out);
  BOOST_TEST(describe(out) == "send:255");
  BOOST_TEST(m.next_deadline() == kT0 + 1300ms);
  BOOST_TEST(m.stats().priority_zero_received == 1u);
  out.clear();
  // A lower master (split brain): answered with an advert and a GARP, at
  // most once per advert interval.
  m.on_advert(kT0 + 400ms, advert_from(kAddr2, 100), out);
  BOOST_TEST(describe(out) == "send:255 announce");
  BOOST_TEST(m.next_deadline() == kT0 + 1400ms);
  out.clear();
  m.on_advert(kT0 + 900ms, advert_from(kAddr2, 100), out);
  m.on_advert(kT0 + 1399ms, advert_from(0x0A000005, 255), out);  // equal, lower address
  BOOST_TEST(out.empty());
  m.on_advert(kT0 + 1400ms, advert_from(kAddr2, 100), out);
  BOOST_TEST(describe(out) == "send:255 announce");
  BOOST_TEST(st(m) == "master");
  BOOST_TEST(m.stats().adverts_sent == 4u);
}

BOOST_AUTO_TEST_CASE(master_yields_to_higher_priority_or_equal_priority_higher_address) {
  for (bool equal : {false, true}) {
    StateMachine m(params(255, kAddr1));
    Actions out;
    m.update(params(200, kAddr1), kT0, out);
    m.start(kT0, out);  // 200: a backup first
    m.on_timer(kT0 + mdi(200), out);
    BOOST_REQUIRE(st(m) == "master");
    out.clear();
    const MonoTime t = kT0 + 5s;
    m.on_advert(t, advert_from(kAddr2, equal ? 200 : 201, 20), out);
    // One last advert as master (for a winner that never heard us), then down.
    BOOST_TEST(describe(out) == "send:200 remove master>backup");
    BOOST_TEST(last_reason(out) == (equal ? "equal priority 200 and higher address 10.0.0.12"
                                          : "higher priority 201 from 10.0.0.12"));
    BOOST_TEST(m.master_address() == kAddr2);
    BOOST_TEST(m.master_advert_interval() == 200ms);
    BOOST_TEST(m.next_deadline() == t + mdi(200, 200ms));
    BOOST_TEST(m.stats().new_master_reason == NewMasterReason::MasterNoResponse);  // untouched
    BOOST_TEST(!m.holds_vips());
  }
}

BOOST_AUTO_TEST_CASE(two_routers_elect_the_higher_priority) {
  for (bool swap : {false, true}) {
    // The higher priority wins whatever the addresses.
    Pair p(params(200, swap ? kAddr2 : kAddr1), params(100, swap ? kAddr1 : kAddr2));
    BOOST_TEST(st(p.s.sm(p.a)) == "master");
    BOOST_TEST(st(p.s.sm(p.b)) == "backup");
    BOOST_TEST(p.s.masters() == 1u);
    BOOST_TEST(p.s.vip_holders() == 1u);
    CHECK_TIME(p.s.transition_time(p.a, State::Master), kT0 + mdi(200));
    BOOST_TEST(p.s.transition_time(p.b, State::Master) == MonoTime::max());
    BOOST_TEST(p.s.sm(p.b).master_address() == p.s.sm(p.a).params().primary_address);
    check_sent_stats(p.s, p.a);
  }
}

BOOST_AUTO_TEST_CASE(equal_priorities_are_decided_by_address) {
  Pair p(params(100, kAddr1), params(100, kAddr2));
  // Both ran out at the same time and both became master; the lower
  // address stepped down on hearing the higher one.
  BOOST_TEST(st(p.s.sm(p.b)) == "master");
  BOOST_TEST(st(p.s.sm(p.a)) == "backup");
  BOOST_TEST(p.s.vip_holders() == 1u);
  BOOST_TEST(p.s.router(p.b).vips);
  BOOST_TEST(last_reason(p.s.actions_since(p.a, kT0)) == "equal priority 100 and higher address 10.0.0.12");

  ElectionSim s3;
  for (Ipv4 addr : {kAddr2, kAddr3, kAddr1}) s3.add(params(100, addr));
  s3.start_all();
  s3.run_for(10s);
  BOOST_TEST(s3.masters() == 1u);
  BOOST_TEST(s3.vip_holders() == 1u);
  BOOST_TEST(st(s3.sm(1)) == "master");
}

BOOST_AUTO_TEST_CASE(killed_master_is_replaced_after_master_down_interval) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime last = last_send(p.s, p.a, p.s.now());
  p.s.kill(p.a);
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.b, State::Master), last + 1ms + mdi(100));
  BOOST_TEST(last_reason(p.s.actions_since(p.b, last)) == "no advert from 10.0.0.11 for 3.609s (master down)");
  BOOST_TEST(p.s.sm(p.b).stats().new_master_reason == NewMasterReason::MasterNoResponse);
  BOOST_TEST(p.s.sm(p.b).master_address() == kAddr2);
}

BOOST_AUTO_TEST_CASE(stopped_master_sends_priority_zero_and_is_replaced_after_skew) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& out) { m.stop(now, out); });
  BOOST_TEST(describe(p.s.actions_since(p.a, t)) == "send:0 remove master>init");
  BOOST_TEST(p.s.sm(p.a).next_deadline() == MonoTime::max());
  p.s.run_for(5s);
  CHECK_TIME(p.s.transition_time(p.b, State::Master), t + 1ms + skew(100));
  BOOST_TEST(p.s.sm(p.a).stats().priority_zero_sent == 1u);
  BOOST_TEST(p.s.sm(p.b).stats().priority_zero_received == 1u);
  BOOST_TEST(st(p.s.sm(p.a)) == "init");  // stays stopped, deaf
  BOOST_TEST(p.s.vip_holders() == 1u);
  check_sent_stats(p.s, p.a);
}

BOOST_AUTO_TEST_CASE(stop_from_every_state) {
  Actions out;
  StateMachine m(params(100, kAddr1));
  m.stop(kT0, out);
  BOOST_TEST(out.empty());
  m.start(kT0, out);
  out.clear();
  m.stop(kT0, out);
  BOOST_TEST(describe(out) == "backup>init");
  out.clear();
  m.start(kT0 + 1s, out);  // restartable
  BOOST_TEST(describe(out) == "init>backup");
  out.clear();
  m.set_link(false, kT0 + 1s, out);
  m.stop(kT0 + 1s, out);
  BOOST_TEST(describe(out) == "backup>fault fault>init");
  out.clear();
  m.set_link(true, kT0 + 2s, out);  // stopped: stays stopped
  BOOST_TEST(out.empty());
  BOOST_TEST(st(m) == "init");
}

BOOST_AUTO_TEST_CASE(returning_higher_priority_preempts) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  p.s.kill(p.a);
  p.s.run_for(10s);
  BOOST_REQUIRE(st(p.s.sm(p.b)) == "master");
  const MonoTime t = p.s.now();
  p.s.restart(p.a);
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t), t + mdi(200));
  BOOST_TEST(last_reason(p.s.actions_since(p.a, t)) == "preempting lower priority 100 of 10.0.0.12");
  BOOST_TEST(p.s.sm(p.a).stats().new_master_reason == NewMasterReason::Preempted);
  const MonoTime b_down = p.s.transition_time(p.b, State::Backup, t);
  CHECK_TIME(b_down, t + mdi(200) + 1ms);
  BOOST_TEST(describe(p.s.actions_since(p.b, b_down)) == "send:100 remove master>backup");
  BOOST_TEST(last_reason(p.s.actions_since(p.b, t)) == "higher priority 200 from 10.0.0.11");
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);
}

BOOST_AUTO_TEST_CASE(no_preemption_when_disabled) {
  InstanceParams pa = params(200, kAddr1);
  pa.preempt = false;
  Pair p(pa, params(100, kAddr2));
  BOOST_REQUIRE(st(p.s.sm(p.a)) == "master");  // elected normally at start
  p.s.kill(p.a);
  p.s.run_for(10s);
  p.s.restart(p.a);
  p.s.run_for(30s);
  BOOST_TEST(st(p.s.sm(p.a)) == "backup");
  BOOST_TEST(st(p.s.sm(p.b)) == "master");
  BOOST_TEST(p.s.sm(p.a).master_address() == kAddr2);
  BOOST_TEST(p.s.sm(p.a).stats().adverts_received >= 29u);
}

BOOST_AUTO_TEST_CASE(preempt_delay_postpones_preemption) {
  InstanceParams pa = params(200, kAddr1);
  pa.preempt_delay = 5s;
  Pair p(pa, params(100, kAddr2));
  p.s.kill(p.a);
  p.s.run_for(10s);
  const MonoTime t = p.s.now();
  p.s.restart(p.a);
  p.s.run_for(20s);
  // B's adverts are accepted for 5 s from the first one A hears (t1), then
  // discarded: A takes over Master_Down_Interval after the last accepted.
  MonoTime t1 = MonoTime::max();
  for (const auto& l : p.s.router(p.b).log)
    if (l.action.kind == K::SendAdvert && l.at + 1ms >= t) t1 = std::min(t1, l.at + 1ms);
  BOOST_REQUIRE(t1 < t + 1s);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t), t1 + 4s + mdi(200));
  BOOST_TEST(last_reason(p.s.actions_since(p.a, t)) == "preempting lower priority 100 of 10.0.0.12");
  BOOST_TEST(p.s.masters() == 1u);
}

BOOST_AUTO_TEST_CASE(failover_hands_over_first_and_releases_second) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& out) {
    BOOST_TEST(m.failover(Millis::max(), now, out).ok());
  });
  BOOST_TEST(describe(p.s.actions_since(p.a, t)) == "send:0 master>backup");
  BOOST_TEST(last_reason(p.s.actions_since(p.a, t)) == "manual failover");
  BOOST_TEST(p.s.sm(p.a).holds_vips());
  BOOST_TEST(p.s.sm(p.a).hold_until() == MonoTime::max());

  // B takes over after its skew; for a moment both hold the VIPs.
  BOOST_REQUIRE(p.s.run_until_true([&] { return p.s.sm(p.b).state() == State::Master; }, 5s));
  CHECK_TIME(p.s.now(), t + 1ms + skew(100));
  BOOST_TEST(describe(p.s.actions_since(p.b, p.s.now())) == "add send:100 announce backup>master");
  BOOST_TEST(p.s.vip_holders() == 2u);
  // A lets go a linger after B's first advert arrives, without a state change.
  const MonoTime b_up = p.s.now();
  BOOST_REQUIRE(p.s.run_until_true([&] { return !p.s.router(p.a).vips; }, 5s));
  CHECK_TIME(p.s.now(), b_up + 1ms + release_linger(p.s.sm(p.a).params().advert_interval));
  BOOST_TEST(describe(p.s.actions_since(p.a, b_up)) == "remove");

  // No preemption back during the hold.
  p.s.run_for(60s);
  BOOST_TEST(st(p.s.sm(p.a)) == "backup");
  BOOST_TEST(st(p.s.sm(p.b)) == "master");
  BOOST_TEST(p.s.transition_time(p.a, State::Master, t) == MonoTime::max());

  // Released: the usual preemption follows.
  const MonoTime t2 = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& out) { m.release_hold(now, out); });
  BOOST_TEST(p.s.actions_since(p.a, t2).empty());
  BOOST_TEST(p.s.sm(p.a).hold_until() == MonoTime::min());
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t2), last_send(p.s, p.b, t2) + 1ms + mdi(200));
  BOOST_TEST(p.s.sm(p.a).stats().new_master_reason == NewMasterReason::Preempted);
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);
  check_sent_stats(p.s, p.a);
  check_sent_stats(p.s, p.b);
}

BOOST_AUTO_TEST_CASE(failover_hold_ends_by_itself) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& out) { BOOST_TEST(m.failover(20s, now, out).ok()); });
  BOOST_TEST(p.s.sm(p.a).hold_until() == t + 20s);
  p.s.run_until(t + 20s - 1ms);
  BOOST_TEST(st(p.s.sm(p.a)) == "backup");
  BOOST_TEST(st(p.s.sm(p.b)) == "master");
  p.s.run_for(2ms);
  BOOST_TEST(p.s.sm(p.a).hold_until() == MonoTime::min());  // cleared by on_timer at its end
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t + 1s), last_send(p.s, p.b, t + 20s - 1ms) + 1ms + mdi(200));
  BOOST_TEST(p.s.masters() == 1u);
}

// Without a hold the old master lets the VIPs go to the new master as soon
// as it hears it, even though it discards that (lower) advert to preempt.
BOOST_AUTO_TEST_CASE(failover_without_hold_releases_then_preempts_back) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& out) { BOOST_TEST(m.failover(0ms, now, out).ok()); });
  BOOST_TEST(p.s.sm(p.a).hold_until() == MonoTime::min());
  const MonoTime b_up = t + 1ms + skew(100);
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.b, State::Master, t), b_up);
  const auto a_actions = p.s.actions_since(p.a, t);
  BOOST_TEST(describe(a_actions).rfind("send:0 master>backup remove add send:200 announce backup>master", 0) == 0u);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t + 1ms), t + mdi(200));  // its timer from the failover
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);
  // Stopping a backup that still holds the VIPs removes them.
  Pair q(params(200, kAddr1), params(100, kAddr2));
  q.s.kill(q.b);
  const MonoTime t2 = q.s.now();
  q.s.act(q.a, [](StateMachine& m, MonoTime now, Actions& out) {
    BOOST_TEST(m.failover(Millis::max(), now, out).ok());
    m.stop(now, out);
  });
  BOOST_TEST(describe(q.s.actions_since(q.a, t2)) == "send:0 master>backup remove backup>init");
}

BOOST_AUTO_TEST_CASE(failover_without_a_taker_comes_back_keeping_the_vips) {
  ElectionSim s;
  const size_t a = s.add(params(200, kAddr1));
  s.start_all();
  s.run_for(5s);
  const MonoTime t = s.now();
  s.act(a, [](StateMachine& m, MonoTime now, Actions& out) { BOOST_TEST(m.failover(10min, now, out).ok()); });
  s.run_for(5s);
  CHECK_TIME(s.transition_time(a, State::Master, t), t + mdi(200));
  const auto after = s.actions_since(a, t + 1ms);
  BOOST_TEST(describe(after).rfind("send:200 announce backup>master", 0) == 0u);  // no add: still held
  BOOST_TEST(last_reason(after) == "no advert from a new master for 3.218s after manual failover (master down)");
  BOOST_TEST(s.sm(a).stats().master_transitions == 2u);
  BOOST_TEST(s.sm(a).hold_until() == MonoTime::min());
}

BOOST_AUTO_TEST_CASE(failover_elsewhere_is_an_error_and_does_nothing) {
  StateMachine m(params(100, kAddr1));
  Actions out;
  auto status = m.failover(10s, kT0, out);
  BOOST_TEST(!status.ok());
  BOOST_TEST(status.error().message == "not master (state init): nothing to hand over");
  m.start(kT0, out);
  out.clear();
  status = m.failover(10s, kT0, out);
  BOOST_TEST(!status.ok());
  BOOST_TEST(status.error().message.find("backup") != std::string::npos);
  BOOST_TEST(out.empty());
  BOOST_TEST(m.hold_until() == MonoTime::min());
  BOOST_TEST(m.next_deadline() == kT0 + mdi(100));
  m.release_hold(kT0, out);  // no hold: no-op
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(penalty_lowers_the_master_and_the_backup_preempts) {
  StateMachine q(params(200, kAddr1));
  Actions out;
  for (auto [penalty, expected] : {std::pair{0, 200}, {150, 50}, {250, 1}, {-5, 200}}) {
    q.set_penalty(penalty, kT0, out);
    BOOST_TEST(q.effective_priority() == expected);
  }
  BOOST_TEST(out.empty());  // not master: nothing to advertise

  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& o) { m.set_penalty(150, now, o); });
  BOOST_TEST(describe(p.s.actions_since(p.a, t)) == "send:50");
  BOOST_TEST(p.s.sm(p.a).next_deadline() == t + 1s);
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& o) { m.set_penalty(150, now, o); });
  BOOST_TEST(p.s.actions_since(p.a, t).size() == 1u);  // unchanged priority: nothing sent
  p.s.run_for(10s);
  // B heard 200 last just before t; it discards 50 and preempts.
  CHECK_TIME(p.s.transition_time(p.b, State::Master, t), last_send(p.s, p.a, t - 1ns) + 1ms + mdi(100));
  BOOST_TEST(st(p.s.sm(p.a)) == "backup");
  BOOST_TEST(last_reason(p.s.actions_since(p.a, t)) == "higher priority 100 from 10.0.0.12");
  BOOST_TEST(p.s.vip_holders() == 1u);
}

BOOST_AUTO_TEST_CASE(link_down_faults_and_link_up_rejoins) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  const MonoTime t = p.s.now();
  const MonoTime last = last_send(p.s, p.a, t);
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& o) { m.set_link(false, now, o); });
  BOOST_TEST(describe(p.s.actions_since(p.a, t)) == "remove master>fault");
  BOOST_TEST(last_reason(p.s.actions_since(p.a, t)) == "link down");
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& o) { m.set_link(false, now, o); });
  BOOST_TEST(p.s.actions_since(p.a, t).size() == 2u);
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.b, State::Master, t), last + 1ms + mdi(100));
  BOOST_TEST(st(p.s.sm(p.a)) == "fault");
  BOOST_TEST(p.s.sm(p.a).next_deadline() == MonoTime::max());

  const MonoTime t2 = p.s.now();
  p.s.act(p.a, [](StateMachine& m, MonoTime now, Actions& o) { m.set_link(true, now, o); });
  BOOST_TEST(describe(p.s.actions_since(p.a, t2)) == "fault>init init>backup");
  p.s.run_for(10s);
  CHECK_TIME(p.s.transition_time(p.a, State::Master, t2), t2 + mdi(200));
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);

  StateMachine m(params(100, kAddr1));
  Actions out;
  m.set_link(false, kT0, out);  // before start: remembered
  BOOST_TEST(out.empty());
  m.start(kT0, out);
  BOOST_TEST(describe(out) == "init>fault");
}

BOOST_AUTO_TEST_CASE(split_brain_heals_to_one_master) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  p.s.router(p.a).connected = false;  // A cut off: B hears nothing
  p.s.run_for(10s);
  BOOST_REQUIRE(p.s.masters() == 2u);
  BOOST_REQUIRE(p.s.vip_holders() == 2u);
  // Heal while B's next advert is on the wire: A hears a lower master.
  const size_t sent = p.s.count(p.b, K::SendAdvert);
  BOOST_REQUIRE(p.s.run_until_true([&] { return p.s.count(p.b, K::SendAdvert) > sent; }, 2s));
  const MonoTime t = p.s.now();
  p.s.router(p.a).connected = true;
  p.s.run_for(5s);
  BOOST_TEST(describe(p.s.actions_since(p.a, t)).rfind("send:200 announce", 0) == 0u);
  CHECK_TIME(p.s.transition_time(p.b, State::Backup, t), t + 2ms);
  BOOST_TEST(describe(p.s.actions_since(p.b, t + 1ms)).rfind("send:100 remove master>backup", 0) == 0u);
  BOOST_TEST(st(p.s.sm(p.a)) == "master");
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);
}

// The case the lab found: the loser hears the winner first and steps down
// before the winner ever heard it. Its last advert still makes the winner
// re-announce the VIPs, so neighbours that learned the loser's MAC move.
BOOST_AUTO_TEST_CASE(split_brain_heal_when_the_loser_hears_first) {
  Pair p(params(200, kAddr1), params(100, kAddr2));
  p.s.router(p.a).connected = false;
  p.s.run_for(10s);
  BOOST_REQUIRE(p.s.masters() == 2u);
  // Heal just after B's advert was lost on the way to A: A's next advert
  // (due within the second) reaches B before B's next one reaches A.
  const size_t sent = p.s.count(p.b, K::SendAdvert);
  BOOST_REQUIRE(p.s.run_until_true([&] { return p.s.count(p.b, K::SendAdvert) > sent; }, 2s));
  p.s.run_for(5ms);
  const MonoTime t = p.s.now();
  p.s.router(p.a).connected = true;
  p.s.run_for(5s);
  BOOST_TEST(st(p.s.sm(p.b)) == "backup");
  BOOST_TEST(p.s.masters() == 1u);
  BOOST_TEST(p.s.vip_holders() == 1u);
  // A announced again within a few milliseconds of B stepping down.
  const MonoTime b_down = p.s.transition_time(p.b, State::Backup, t);
  BOOST_REQUIRE(b_down != MonoTime::max());
  bool announced = false;
  for (const auto& l : p.s.router(p.a).log)
    if (l.action.kind == K::AnnounceVips && l.at >= b_down && l.at <= b_down + 10ms) announced = true;
  BOOST_TEST(announced);
}

BOOST_AUTO_TEST_CASE(backup_follows_the_masters_interval) {
  ElectionSim s;
  const size_t a = s.add(params(200, kAddr1, 100ms));
  const size_t b = s.add(params(100, kAddr2, 1000ms));
  s.start_all();
  s.run_for(5s);
  BOOST_REQUIRE(st(s.sm(a)) == "master");
  CHECK_TIME(s.transition_time(a, State::Master), kT0 + mdi(200, 100ms));
  BOOST_TEST(s.sm(b).master_advert_interval() == 100ms);
  BOOST_TEST(s.sm(b).stats().advert_interval_errors == s.sm(b).stats().adverts_received);
  const MonoTime last = last_send(s, a, s.now());
  s.kill(a);
  s.run_for(5s);
  CHECK_TIME(s.transition_time(b, State::Master), last + 1ms + mdi(100, 100ms));  // 360.9 ms, not 3.6 s
  BOOST_TEST(s.sm(b).master_advert_interval() == 1000ms);  // its own, as master
}

BOOST_AUTO_TEST_CASE(ten_millisecond_adverts) {
  ElectionSim s(100us);
  const size_t a = s.add(params(200, kAddr1, 10ms));
  const size_t b = s.add(params(100, kAddr2, 10ms));
  s.start_all();
  s.run_for(2s);
  BOOST_TEST(s.sm(a).stats().master_transitions == 1u);
  BOOST_TEST(s.transition_time(b, State::Master) == MonoTime::max());
  const MonoTime last = last_send(s, a, s.now());
  s.kill(a);
  s.run_for(1s);
  CHECK_TIME(s.transition_time(b, State::Master), last + 100us + mdi(100, 10ms));  // 36.09 ms
  BOOST_TEST(s.masters() == 1u);
}

BOOST_AUTO_TEST_CASE(three_routers_next_in_priority_takes_over) {
  ElectionSim s;
  const size_t a = s.add(params(150, kAddr1));
  const size_t b = s.add(params(100, kAddr2));
  const size_t c = s.add(params(50, kAddr3));
  s.start_all();
  s.run_for(10s);
  BOOST_TEST(st(s.sm(a)) == "master");
  BOOST_TEST(s.masters() == 1u);
  const MonoTime last = last_send(s, a, s.now());
  s.kill(a);
  // Never two masters from here on.
  BOOST_TEST(!s.run_until_true([&] { return s.masters() > 1; }, 30s));
  CHECK_TIME(s.transition_time(b, State::Master), last + 1ms + mdi(100));
  BOOST_TEST(s.transition_time(c, State::Master) == MonoTime::max());
  BOOST_TEST(s.sm(c).master_address() == kAddr2);
  BOOST_TEST(s.vip_holders() == 1u);
}

BOOST_AUTO_TEST_CASE(update_readvertises_a_masters_changes) {
  StateMachine m(params(255, kAddr1));
  Actions out;
  m.start(kT0, out);
  out.clear();
  m.update(params(255, kAddr1), kT0 + 100ms, out);  // unchanged
  BOOST_TEST(out.empty());
  m.update(params(200, kAddr1), kT0 + 200ms, out);
  BOOST_TEST(describe(out) == "send:200");
  BOOST_TEST(m.next_deadline() == kT0 + 1200ms);
  out.clear();
  m.update(params(200, kAddr1, 500ms), kT0 + 300ms, out);
  BOOST_TEST(describe(out) == "send:200");
  BOOST_TEST(m.next_deadline() == kT0 + 800ms);
  BOOST_TEST(m.master_advert_interval() == 500ms);
  BOOST_TEST(st(m) == "master");

  StateMachine bk(params(100, kAddr1));
  bk.start(kT0, out);
  out.clear();
  bk.update(params(150, kAddr1, 200ms), kT0, out);
  BOOST_TEST(out.empty());
  BOOST_TEST(bk.params().priority == 150);
}

BOOST_AUTO_TEST_SUITE_END()
