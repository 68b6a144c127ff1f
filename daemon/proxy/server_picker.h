#pragma once
// Chooses the server for a new connection: the sticky table first (if the
// pool has one), then the pool's balancing algorithm over its candidates,
// skipping servers already tried for this connection and servers at their
// `maxconn`. One per worker: the round-robin and least-conn cursors are
// per-worker state, so picking takes no lock.
//
// Threading: one worker's thread.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/socket_address.h"
#include "daemon/balance/least_conn.h"
#include "daemon/balance/p2c.h"
#include "daemon/balance/server_load.h"
#include "daemon/balance/smooth_wrr.h"
#include "daemon/runtime/runtime_snapshot.h"

namespace tandem::proxy {

// What an HTTP request adds to the choice (mode http only).
struct RequestKey {
  // balance = hash: the bytes hashed (URI, a field or cookie value); empty
  // means the client address, as in mode tcp.
  std::string_view hash_input;
  // sticky = cookie | learn: the server the request names, by index in the
  // pool, or -1. Taken while it is up, enabled and has room.
  int sticky_server = -1;
};

class ServerPicker {
 public:
  explicit ServerPicker(uint64_t seed);

  // A new snapshot arrived: per-pool state starts afresh. pick() also copes
  // with an older snapshot (a session retrying with the one it started with).
  void reset(const runtime::RuntimeSnapshot& snapshot);

  // An index into snapshot.pools[pool].servers, or -1 when no server can
  // take the connection. `exclude` lists servers already tried.
  int pick(const runtime::RuntimeSnapshot& snapshot, uint32_t pool, const base::SocketAddress& client,
           std::span<const uint32_t> exclude, const RequestKey& key = {});

  // Whether server `index` of `pool` may take a request that names it
  // (sticky): up, not disabled, weight > 0, below maxconn, not excluded.
  static bool can_stick(const runtime::PoolRuntime& pool, uint32_t index, std::span<const uint32_t> exclude);

 private:
  struct PoolState {
    balance::SmoothWrr wrr;
    balance::LeastConn least_conn;
    std::vector<uint32_t> weights;            // scratch, per candidate
    std::vector<balance::ServerLoad> loads;   // scratch, per candidate
  };

  int pick_sticky(const runtime::PoolRuntime& pool, const base::SocketAddress& client,
                  std::span<const uint32_t> exclude);
  int pick_balanced(const runtime::PoolRuntime& pool, PoolState& state, const base::SocketAddress& client,
                    std::span<const uint32_t> exclude, std::string_view hash_input);
  int pick_hashed(const runtime::PoolRuntime& pool, PoolState& state, uint64_t hash, std::span<const uint32_t> exclude);
  int pick_least_loaded(const runtime::PoolRuntime& pool, PoolState& state, std::span<const uint32_t> exclude,
                        bool two_choices);

  std::vector<PoolState> pools_;
  balance::PowerOfTwoChoices p2c_;
  std::string sticky_scratch_;
};

}  // namespace tandem::proxy
