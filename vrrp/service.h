#pragma once
// The VRRP module's one public header: every VRRP instance of the config
// ([vrrp] and [vrrp:NAME] sections), run on a thread and an event loop of
// their own so that advert timing never depends on proxy load (DESIGN.md:
// a saturated proxy must never cause a spurious failover).
//
// The daemon talks to it through this class only:
//   - it is told of every state change (callback, on the VRRP thread: post
//     it to your own loop),
//   - it sets priority penalties (tracked pools), asks for a manual
//     failover, reads status, and stops it.
// The service owns the VIPs: it adds and removes them on the interfaces and
// announces them with gratuitous ARPs.
//
// Threading: construct, start() and destroy on one thread (the daemon's
// main thread); every other method may be called from any thread.

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "conf/config.h"
#include "vrrp/packet.h"
#include "vrrp/state_machine.h"

namespace tandem::vrrp {

// One state change, as logged and kept in the history.
struct StateChange {
  base::WallTime at;
  std::string instance;
  State from = State::Initialize;
  State to = State::Initialize;
  std::string reason;
};

// Packets dropped before they reached an instance's state machine, by
// reason (indexed by DropReason), plus the RFC 6527 router-wide counters.
struct DropCounters {
  std::array<uint64_t, 9> by_reason{};  // index: static_cast<size_t>(DropReason)
  uint64_t unknown_vrid = 0;            // vrrpv3RouterVrIdErrors
  uint64_t not_from_peer = 0;           // unicast mode: sender not a unicast_peer
  uint64_t& operator[](DropReason r) { return by_reason[static_cast<size_t>(r)]; }
  uint64_t operator[](DropReason r) const { return by_reason[static_cast<size_t>(r)]; }
};

// What status shows about one instance (a copy, consistent in itself).
struct InstanceStatus {
  std::string name;
  std::string interface;
  int ifindex = 0;
  int vrid = 0;
  State state = State::Initialize;
  int priority = 0;        // effective (after penalty)
  int base_priority = 0;   // configured
  int penalty = 0;
  Ipv4 primary_address = 0;
  Ipv4 master_address = 0;  // 0 = unknown
  Millis advert_interval{0};
  Millis master_advert_interval{0};
  bool preempt = false;
  bool accept_mode = false;
  bool holds_vips = false;
  std::vector<conf::VipConf> vips;
  std::vector<Ipv4> unicast_peers;
  base::MonoTime state_since{};
  base::MonoTime up_since{};        // when it left Initialize (RFC 6527 UpTime); {} when in it
  Millis hold_remaining{0};         // failover hold left; 0 = none
  InstanceStats stats;
  DropCounters drops;               // packets meant for this VRID that failed checks
  uint64_t garps_sent = 0;
  uint64_t send_errors = 0;
  uint64_t vip_errors = 0;          // VIP add/remove that failed (logged)
  // Timing of the master's periodic adverts: how far after its due time
  // each was sent (the loop's wake-up latency plus the work before it).
  uint64_t adverts_late = 0;        // sent more than a tenth of the interval late
  std::chrono::microseconds max_advert_delay{0};
};

struct ServiceStatus {
  std::vector<InstanceStatus> instances;  // in config order
  std::vector<StateChange> history;       // oldest first, at most kHistorySize
  DropCounters drops;                     // router-wide
  uint64_t notify_ok = 0;
  uint64_t notify_failed = 0;
  bool realtime = false;                  // the VRRP thread got SCHED_RR
  static constexpr size_t kHistorySize = 64;
};

// What failover() is asked to do on each master instance.
enum class FailoverMode {
  HandOver,  // resign, keep the VIPs until the peer is heard, then hold back for failover_hold
  Release,   // end a hold early
  Stop,      // resign as HandOver, with a hold that lasts until the instance stops
};

// The answer of failover() for each instance it concerned.
struct FailoverOutcome {
  bool done = false;           // at least one instance handed over / released
  std::vector<std::string> lines;  // one per instance, for the operator
};

class ServiceCore;  // the VRRP thread's world; see service.cc

class Service {
 public:
  using StateCallback = std::function<void(const StateChange&)>;

  // Nothing runs until start(). `instances` must be non-empty.
  Service(std::vector<conf::VrrpConf> instances, StateCallback on_change);
  ~Service();  // as stop() if still running
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Resolves the interfaces, opens the sockets, removes VIPs of this config
  // left on the interfaces by a killed predecessor, then starts the VRRP
  // thread, where every instance starts (Backup, or Master for an owner).
  // Errors (no such interface, no CAP_NET_RAW, ...) name the instance; on
  // error nothing is left running.
  base::Status start();

  // Lowers instance `name`'s priority by `penalty` (0 = none). Unknown
  // names are ignored. Asynchronous.
  void set_penalty(const std::string& name, int penalty);

  // Manual failover of instance `name` (empty: every instance), as `mode`
  // says. Waits for the VRRP thread's answer (bounded: 2 s).
  FailoverOutcome failover(std::string_view name, FailoverMode mode);

  // A consistent copy of the status of every instance.
  ServiceStatus status() const;

  // Applies a reloaded config. Changes of interface, vrid, VIPs, unicast
  // peers or source address need a restart: they are refused with an error
  // naming them (and nothing changes); other keys apply at once.
  base::Status reconfigure(const std::vector<conf::VrrpConf>& instances);

  // Stops every instance (a master resigns; VIPs are removed) and the
  // thread. A hand-over first is the caller's: failover(FailoverMode::Stop)
  // and wait for the release (daemon/handover.h).
  void stop();

 private:
  std::unique_ptr<ServiceCore> impl_;
};

}  // namespace tandem::vrrp
