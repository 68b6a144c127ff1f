#pragma once
// A planned hand-over of the VIPs to the peer (`tandemctl failover`, and
// SIGTERM on a master), done so that no client connection is lost:
//
//   1. pause: new SYNs to the VIP listeners are dropped silently (a socket
//      filter), so clients retransmit them (after 1 s) instead of starting
//      connections that the MAC move would cut in half;
//   2. drain: wait until the connections open on the VIP frontends have
//      finished (at most `drain_limit`);
//   3. sync: wait until the peer has acknowledged every sync update (what
//      the drained connections last changed included), at most the
//      `failover_sync_timeout` the hook applies; skipped without [sync];
//   4. resign: VRRP sends priority 0, the peer takes over and announces the
//      VIPs; the retransmitted SYNs reach it;
//   5. resume: once the VIPs are released here (or this node is master
//      again, or `release_limit` passed), the listeners accept again.
//
// Why: with the MAC moving between the handshake and the request (or
// between the request and the answer), a connection is reset by the new
// master, which has never seen it; measured in the lab at about one
// request per failover at 200 new connections/s. Pausing and draining
// first turns that into a delay of one SYN retransmission for the clients
// that connect during the hand-over.
//
// Threading: the daemon's main loop.

#include <chrono>
#include <functional>
#include <string>

#include "base/ev_watch.h"
#include "vrrp/service.h"

namespace tandem {

class Handover {
 public:
  struct Hooks {
    std::function<void(bool pause)> pause_syns;    // on every listener of the VIPs
    std::function<int64_t()> open_connections;     // on the frontends bound to the VIPs
    // Optional: calls `done` (later, on the loop) once the peer holds this
    // node's state, with a line for the operator saying how that went.
    std::function<void(std::function<void(std::string note)> done)> sync;
    std::function<vrrp::FailoverOutcome()> resign;
    std::function<bool()> released;                // no VIP held here, or master again
    // The outcome of resign(), and how long the drain took. Called once.
    std::function<void(const vrrp::FailoverOutcome&, std::chrono::milliseconds drained)> resigned;
    std::function<void()> finished;                // after resume (optional)
  };

  Handover(struct ev_loop* loop, Hooks hooks);
  Handover(const Handover&) = delete;
  Handover& operator=(const Handover&) = delete;

  bool running() const { return phase_ != Phase::Idle; }

  // Begins the sequence (no-op while one runs).
  void start(std::chrono::milliseconds drain_limit, std::chrono::milliseconds release_limit);

 private:
  enum class Phase { Idle, Draining, Syncing, Releasing };
  void on_tick(int revents);
  void drained();
  void resign_now(std::string sync_note);
  void finish();

  Hooks hooks_;
  Phase phase_ = Phase::Idle;
  base::MonoTime started_{};
  base::MonoTime deadline_{};
  std::chrono::milliseconds release_limit_{0};
  std::chrono::milliseconds drained_{0};
  uint64_t run_ = 0;  // numbers each start(), so a late sync answer finds its own run
  base::TimerWatcher tick_;
};

}  // namespace tandem
