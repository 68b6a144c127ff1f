#pragma once
// One VRRP virtual router (RFC 5798 section 6.4) as a pure state machine
// (STYLE habit 3): events in, actions out, time passed in by the caller.
// It opens no socket, reads no clock and adds no address; the driver
// (vrrp/instance_driver.h) executes the actions in the order given. Whole
// elections run in unit tests on simulated time.
//
// Beyond the RFC, and why:
//  - failover(): the master resigns (priority 0) but keeps the VIPs until the
//    new master's first advert arrives (or Master_Down_Interval passes), and
//    a linger after that (release_linger()) so that answers already on their
//    way out of this node can still be sent from the VIP: it hands over
//    first and releases second. It then holds back from preempting until
//    the hold ends.
//  - A master that steps down for a higher-priority master sends one last
//    advert with its own priority first: after a split brain, the winner may
//    not have heard this node as master, and that advert makes it
//    re-announce the VIPs to the neighbours that still have our MAC.
//  - preempt_delay: a backup preempts a lower-priority master only after it
//    has seen that master for preempt_delay (keepalived's meaning).
//  - A master that hears a lower-priority master (split brain healing)
//    answers with an advert at once and re-announces its VIPs (GARP), at
//    most once per advert interval, so stale ARP caches are corrected.
//  - A priority penalty (tracked pools) lowers the advertised priority; a
//    master whose priority changes advertises at once.
//
// Timing: Skew_Time and Master_Down_Interval (vrrp/timing.h) use the
// effective priority and are computed in microseconds.
// Every transition emits exactly one StateChanged action, placed after the
// actions that make the new state true (VIPs added or removed, advert
// sent), with a reason naming the cause and the peer, e.g. "no advert from
// 10.0.0.12 for 3.609s (master down)", "higher priority 200 from
// 10.0.0.12", "preempting lower priority 100 of 10.0.0.12", "manual
// failover", "link down". Becoming master is always AddVips (unless still
// held after failover()), SendAdvert, AnnounceVips, StateChanged.
//
// Threading: not thread-safe; one owner (the VRRP thread) calls everything.

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

using Millis = std::chrono::milliseconds;

enum class State { Initialize, Backup, Master, Fault };
const char* to_string(State s);  // "init", "backup", "master", "fault"

// RFC 6527 vrrpv3StatisticsNewMasterReason.
enum class NewMasterReason { NotMaster = 0, Priority = 1, Preempted = 2, MasterNoResponse = 3 };
const char* to_string(NewMasterReason r);

struct InstanceParams {
  uint8_t vrid = 1;                  // 1..255
  uint8_t priority = 100;            // 1..255; 255 = owner of the addresses
  Millis advert_interval{1000};      // 10 ms .. 40950 ms, a multiple of 10 ms
  bool preempt = true;
  Millis preempt_delay{0};
  bool accept_mode = false;          // reported only (see docs/vrrp.md)
  std::vector<Ipv4> vips;            // the addresses this router backs up
  Ipv4 primary_address = 0;          // this node's address on the interface
};

struct Action {
  enum class Kind {
    SendAdvert,     // send an advert now with `priority`
    AddVips,        // put every VIP on the interface
    RemoveVips,     // take every VIP off the interface
    AnnounceVips,   // gratuitous ARP burst for every VIP
    StateChanged,   // log, count, record in history, notify: `from` -> `to` because `reason`
  };
  Kind kind;
  uint8_t priority = 0;
  State from = State::Initialize;
  State to = State::Initialize;
  std::string reason;
};
using Actions = std::vector<Action>;

// Counters the RFC 6527 statistics table needs (packet-level drops are
// counted by the driver, which sees them before this class does).
struct InstanceStats {
  uint64_t master_transitions = 0;
  uint64_t adverts_received = 0;       // handled in Backup or Master (incl. discarded lower ones)
  uint64_t adverts_sent = 0;
  uint64_t priority_zero_received = 0;
  uint64_t priority_zero_sent = 0;
  uint64_t address_list_errors = 0;    // address list differs from ours (processed anyway, RFC 5798 7.1)
  uint64_t advert_interval_errors = 0; // interval differs from ours (processed anyway: v3 learns it)
  NewMasterReason new_master_reason = NewMasterReason::NotMaster;
};

// How long a resigned master keeps the VIPs after it heard the new master:
// min(200 ms, 2 x advert_interval), always shorter than the time left on
// its Master_Down_Timer, so the linger never turns into a takeover.
Millis release_linger(Millis advert_interval);

class StateMachine {
 public:
  explicit StateMachine(InstanceParams params);

  // Initialize -> Master (priority 255: at once, with AddVips, SendAdvert,
  // AnnounceVips) or Backup (Master_Down_Timer armed). If the link was
  // reported down, -> Fault instead. No-op unless in Initialize.
  void start(base::MonoTime now, Actions& out);

  // Any state -> Initialize. A master sends priority 0 and removes its
  // VIPs; a backup still holding VIPs after failover() removes them.
  void stop(base::MonoTime now, Actions& out);

  // An advert for this VRID (the caller demultiplexes by VRID and drops
  // packets that failed parsing). Ignored in Initialize and Fault, and when
  // its source is params().primary_address (our own, reflected back).
  void on_advert(base::MonoTime now, const ReceivedAdvert& packet, Actions& out);

  // Runs every timer that is due at `now` (Adver_Timer, Master_Down_Timer,
  // the end of a hold or of a preempt delay). Safe to call early: does
  // nothing that is not due.
  void on_timer(base::MonoTime now, Actions& out);

  // When on_timer() next has something to do; MonoTime::max() if never.
  base::MonoTime next_deadline() const;

  // Interface link state. Down: a master removes its VIPs; Backup or Master
  // -> Fault (in Initialize it is only remembered, so that a later start()
  // goes to Fault and a stopped instance stays stopped). Up while in Fault:
  // -> Initialize, then as start() (two StateChanged actions).
  void set_link(bool up, base::MonoTime now, Actions& out);

  // Lowers the advertised priority by `penalty` (0 = none). The effective
  // priority is the configured one when penalty is 0, else
  // clamp(priority - penalty, 1, 254). A master advertises the change at once.
  void set_penalty(int penalty, base::MonoTime now, Actions& out);

  // Manual failover. Only in Master: sends priority 0, -> Backup keeping the
  // VIPs until the new master is heard or Master_Down_Interval passes, and
  // does not preempt until now + hold (Millis::max() = until release_hold();
  // 0 = no hold). The VIPs go (RemoveVips) on the first non-zero-priority
  // advert from another router; if none comes within Master_Down_Interval,
  // -> Master again (SendAdvert, AnnounceVips: the VIPs are still there).
  // Elsewhere returns an error saying why nothing was done, and emits nothing.
  base::Status failover(Millis hold, base::MonoTime now, Actions& out, const char* reason = "manual failover");

  // Ends a failover hold early (no-op without one). Emits nothing itself:
  // the next lower-priority advert is discarded and the usual preemption
  // follows Master_Down_Interval after the last accepted one.
  void release_hold(base::MonoTime now, Actions& out);

  // Applies changed parameters (reload). vrid and vips must be unchanged
  // (the driver restarts the instance otherwise). A master advertises a
  // changed priority or interval at once. A backup's running
  // Master_Down_Timer is kept; the next accepted advert uses the new values.
  void update(InstanceParams params, base::MonoTime now, Actions& out);

  // --- for status; all cheap ---
  State state() const { return state_; }
  const InstanceParams& params() const { return params_; }
  uint8_t effective_priority() const;
  bool holds_vips() const { return holds_vips_; }
  // The master as last known: ourselves when master, the sender of the last
  // accepted advert when backup, 0 when unknown.
  Ipv4 master_address() const { return master_address_; }
  Millis master_advert_interval() const { return master_advert_interval_; }
  base::MonoTime state_since() const { return state_since_; }
  base::MonoTime hold_until() const { return hold_until_; }  // MonoTime::min() when none
  const InstanceStats& stats() const { return stats_; }

 private:
  // Implementation detail; see state_machine.cc.
  InstanceParams params_;
  State state_ = State::Initialize;
  bool link_up_ = true;
  bool holds_vips_ = false;
  int penalty_ = 0;
  Ipv4 master_address_ = 0;
  Millis master_advert_interval_;
  base::MonoTime state_since_{};
  base::MonoTime hold_until_ = base::MonoTime::min();
  base::MonoTime adver_timer_ = base::MonoTime::max();
  base::MonoTime master_down_timer_ = base::MonoTime::max();
  base::MonoTime lower_master_seen_since_ = base::MonoTime::max();  // preempt_delay
  base::MonoTime last_split_brain_answer_ = base::MonoTime::min();
  base::MonoTime release_at_ = base::MonoTime::max();  // VIPs kept after failover() until then
  InstanceStats stats_;

  // Why the Master_Down_Timer runs, for the reason and the statistics
  // when it expires.
  base::MonoTime last_advert_at_{};   // last accepted advert (or entering Backup)
  bool discarded_lower_ = false;      // discarding a lower master's adverts to preempt it
  Ipv4 lower_address_ = 0;            // ... that master
  uint8_t lower_priority_ = 0;
  bool resigned_ = false;             // the master sent priority 0

  bool hold_active(base::MonoTime now) const;
  std::chrono::microseconds down_interval() const;
  void send_advert(uint8_t priority, Actions& out);
  void remove_vips(Actions& out);
  void leave(State to, base::MonoTime now, const char* reason, Actions& out);
  void forget_peers();
  void transition(State to, base::MonoTime now, std::string reason, Actions& out);
  void enter(base::MonoTime now, const char* why, Actions& out);
  void become_master(base::MonoTime now, NewMasterReason why, std::string reason, Actions& out);
  void become_backup(base::MonoTime now, std::string reason, Actions& out);
  void accept_master(base::MonoTime now, const ReceivedAdvert& packet);
  void count_received(const Advert& advert);
  void backup_receive(base::MonoTime now, const ReceivedAdvert& packet, Actions& out);  // `out` unused today: a backup only ever schedules
  void master_receive(base::MonoTime now, const ReceivedAdvert& packet, Actions& out);
  void master_down(base::MonoTime now, Actions& out);
};

}  // namespace tandem::vrrp
