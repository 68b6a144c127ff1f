#pragma once
// Least connections, weighted: pick the eligible server with the smallest
// (active + 1) / weight, i.e. the one that is least loaded relative to its
// weight once this connection is added. The "+1" (as HAProxy's leastconn
// does) keeps weights meaningful at low load: with plain active/weight every
// idle server scores 0 and a weight-10 server would get no more new
// connections than a weight-1 one until connections pile up.
//
// Ratios are compared as (a+1) * wb < (b+1) * wa in 64-bit integers: exact,
// no division, no overflow for 32-bit counts and weights.
// Ties go to the first server at or after `start` in circular order; the
// LeastConn wrapper moves `start` past each pick so equal servers take turns.

#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/balance/server_load.h"

namespace tandem::balance {

// True if `a` would be less loaded than `b` after one more connection.
constexpr bool least_conn_less(const ServerLoad& a, const ServerLoad& b) {
  return (uint64_t{a.active} + 1) * b.weight < (uint64_t{b.active} + 1) * a.weight;
}

// The index of the least loaded pickable server, scanning circularly from
// `start` (taken modulo size), or -1 if none is pickable.
// Pure; O(N), no allocation; thread-safe.
inline int least_conn_pick(std::span<const ServerLoad> servers, size_t start) {
  const size_t n = servers.size();
  if (n == 0) return -1;
  int best = -1;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    if (!pickable(servers[i])) continue;
    if (best < 0 || least_conn_less(servers[i], servers[static_cast<size_t>(best)])) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

// The rotating tie-break as a tiny state object.
// Threading: not thread-safe; one per (pool, worker), on that worker's thread.
class LeastConn {
 public:
  // As least_conn_pick, starting after the previous pick.
  int pick(std::span<const ServerLoad> servers) {
    const int picked = least_conn_pick(servers, next_);
    if (picked >= 0) next_ = static_cast<size_t>(picked) + 1;
    return picked;
  }

 private:
  size_t next_ = 0;
};

}  // namespace tandem::balance
