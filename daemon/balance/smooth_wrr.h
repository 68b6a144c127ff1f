#pragma once
// nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): every pick
// adds each weight to its backend's running "current" value, takes the
// largest (first on ties), and subtracts the total weight from the winner.
// Over sum(weights) picks each backend is picked exactly `weight` times, and
// picks are spread out: weights 5,1,1 give a a b a c a a, never a a a a a b c.

#include <cstdint>
#include <span>
#include <vector>

namespace tandem::balance {

// Threading: not thread-safe; one object per (pool, worker), used on that
// worker's thread only. Lifetime: independent of the weights it is shown.
class SmoothWrr {
 public:
  SmoothWrr() = default;

  // Forgets the running state and sizes it for `n` backends. Call it when the
  // set of backends changes (a reload, a server coming back); a weight of 0
  // for a backend that is down needs no reset. Allocates only when n grows.
  void reset(size_t n);

  // Picks the index of a backend with weight > 0, or -1 if there is none.
  // `weights[i]` is backend i's current weight (0 = skip: down, disabled,
  // draining). A size different from the last call's resets first.
  // O(N), no allocation (unless the size changed).
  int pick(std::span<const uint32_t> weights);

 private:
  std::vector<int64_t> current_;  // int64: |current| <= sum of uint32 weights
};

}  // namespace tandem::balance
