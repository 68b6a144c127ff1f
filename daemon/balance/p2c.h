#pragma once
// "random" balancing as power of two choices (Mitzenmacher): draw two distinct
// pickable servers at random, each draw weighted by weight (sampling without
// replacement), and keep the less loaded by active/weight; on a tie, the first
// draw. With equal load per weight the picks follow the weights; a loaded
// server is avoided without every worker herding onto the same idle one,
// which is what plain least-connections does with stale counts.

#include <cstdint>
#include <span>

#include "daemon/balance/server_load.h"
#include "daemon/balance/splitmix64.h"

namespace tandem::balance {

// Threading: not thread-safe; one per (pool, worker) or per worker, used on
// that worker's thread. Seed per worker (tests pass a fixed seed).
class PowerOfTwoChoices {
 public:
  explicit PowerOfTwoChoices(uint64_t seed) : rng_(seed) {}

  // The index of the chosen server, or -1 if none is pickable; the only one
  // when just one is. O(N) (three passes), no allocation.
  int pick(std::span<const ServerLoad> servers);

 private:
  SplitMix64 rng_;
};

}  // namespace tandem::balance
