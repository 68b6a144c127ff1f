#pragma once
// The live state of one server, shared by the main thread (health, operator
// decisions, status) and the proxy workers (picking, counters). It outlives
// reloads: a server keeps its state while its pool, name and address stay
// the same (see StateRegistry).
//
// Threading: `up`, `admin` and `weight` are written by the main thread only
// and read by workers; traffic slots are written by their worker only.

#include <atomic>
#include <cstdint>
#include <string>

#include "base/socket_address.h"
#include "daemon/runtime/worker_counters.h"

namespace tandem::runtime {

// What the operator decided (`tandemctl server …`).
enum class AdminState : uint8_t {
  Enabled,   // takes traffic when healthy
  Drain,     // no new connections from the balancer; existing ones finish,
             // clients stuck to it (sticky) still reach it, as in HAProxy
  Disabled,  // no new connections at all
};

const char* to_string(AdminState s);

class ServerState {
 public:
  ServerState(std::string pool, std::string name, base::SocketAddress address, int weight, unsigned workers)
      : pool_(std::move(pool)), name_(std::move(name)), address_(address), weight_(weight), traffic_(workers) {}

  const std::string& pool() const { return pool_; }
  const std::string& name() const { return name_; }
  const base::SocketAddress& address() const { return address_; }

  bool up() const { return up_.load(std::memory_order_relaxed); }
  void set_up(bool up) { up_.store(up, std::memory_order_relaxed); }
  AdminState admin() const { return admin_.load(std::memory_order_relaxed); }
  void set_admin(AdminState a) { admin_.store(a, std::memory_order_relaxed); }
  int weight() const { return weight_.load(std::memory_order_relaxed); }
  void set_weight(int w) { weight_.store(w, std::memory_order_relaxed); }

  TrafficCounters& traffic() { return traffic_; }
  const TrafficCounters& traffic() const { return traffic_; }

  // Failed connects in a row, seen by any worker. Workers only touch it on a
  // failure, or on a success while it is non-zero, so the common path stays
  // free of shared writes. Returns the new streak / whether one was ended.
  uint32_t note_connect_failure() { return failure_streak_.fetch_add(1, std::memory_order_relaxed) + 1; }
  bool note_connect_success() {
    return failure_streak_.load(std::memory_order_relaxed) != 0 &&
           failure_streak_.exchange(0, std::memory_order_relaxed) != 0;
  }

 private:
  const std::string pool_;
  const std::string name_;
  const base::SocketAddress address_;
  std::atomic<bool> up_{true};
  std::atomic<AdminState> admin_{AdminState::Enabled};
  std::atomic<int> weight_;
  std::atomic<uint32_t> failure_streak_{0};
  TrafficCounters traffic_;
};

// The live state of one frontend (counters), kept across reloads by name.
class FrontendState {
 public:
  FrontendState(std::string name, unsigned workers) : name_(std::move(name)), traffic_(workers) {}
  const std::string& name() const { return name_; }
  TrafficCounters& traffic() { return traffic_; }
  const TrafficCounters& traffic() const { return traffic_; }

  // `max_connections` across workers. A worker claims a place before
  // accept(2) and gives the claim back (release_claim) once the session it
  // made counts itself in traffic().active, or when no connection came:
  // two workers that both see one place left cannot both take it. False
  // (nothing claimed) when active connections and claims fill `max`;
  // max <= 0: no limit, always true. Any thread.
  bool claim_connection(int max);
  void release_claim() { claims_.fetch_sub(1, std::memory_order_release); }

 private:
  const std::string name_;
  TrafficCounters traffic_;
  // The release/acquire pair orders a session's active += 1 (made before
  // its worker's release) before the next claimer's count.
  std::atomic<int64_t> claims_{0};
};

}  // namespace tandem::runtime
