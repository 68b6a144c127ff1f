#include "daemon/balance/maglev.h"

#include <algorithm>

#include "daemon/balance/hash.h"

namespace tandem::balance {

namespace {

// Distinct seeds derive the two independent permutation parameters from one
// id hash (the paper uses two hash functions of the backend name).
constexpr uint64_t kOffsetSeed = 0x6d61676c65766f66ULL;  // "maglevof"
constexpr uint64_t kSkipSeed = 0x6d61676c65767370ULL;    // "maglevsp"

uint32_t next_prime(uint32_t n) {
  if (n <= 2) return 2;
  while (!is_prime(n)) ++n;  // prime gaps below 2^32 are < 400
  return n;
}

// One backend's walk through its permutation of the slots.
struct Walker {
  int32_t index;     // position in the caller's span
  uint32_t weight;
  uint32_t pos;      // current slot: offset + j * skip (mod size)
  uint32_t skip;     // in [1, size-1], so a prime size gives a full cycle
  uint64_t credit;   // accumulated turns, in units of max_weight
};

std::vector<Walker> make_walkers(std::span<const MaglevBackend> backends, uint32_t size) {
  std::vector<Walker> walkers;
  walkers.reserve(backends.size());
  for (size_t i = 0; i < backends.size(); ++i) {
    const MaglevBackend& b = backends[i];
    if (b.weight == 0) continue;
    const auto offset = static_cast<uint32_t>(mix64(b.id_hash ^ kOffsetSeed) % size);
    const auto skip = static_cast<uint32_t>(mix64(b.id_hash ^ kSkipSeed) % (size - 1) + 1);
    walkers.push_back(Walker{static_cast<int32_t>(i), b.weight, offset, skip, 0});
  }
  // Taking turns in id_hash order makes the table independent of input order.
  std::stable_sort(walkers.begin(), walkers.end(),
                   [&](const Walker& a, const Walker& b) {
                     return backends[a.index].id_hash < backends[b.index].id_hash;
                   });
  return walkers;
}

}  // namespace

bool is_prime(uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint32_t d = 3; static_cast<uint64_t>(d) * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

std::vector<int32_t> build_maglev_table(std::span<const MaglevBackend> backends, uint32_t size) {
  size = next_prime(size);
  std::vector<int32_t> table(size, -1);
  std::vector<Walker> walkers = make_walkers(backends, size);
  if (walkers.empty()) return table;

  const uint64_t max_weight =
      std::max_element(walkers.begin(), walkers.end(),
                       [](const Walker& a, const Walker& b) { return a.weight < b.weight; })
          ->weight;
  uint32_t filled = 0;
  // Every round gives the heaviest backend exactly one turn and the others
  // weight/max_weight turns (carried over as credit), so shares follow weights.
  // Terminates: each round fills at least one slot and there are `size`.
  for (;;) {
    for (Walker& w : walkers) {
      w.credit += w.weight;
      while (w.credit >= max_weight) {
        w.credit -= max_weight;
        while (table[w.pos] >= 0) {
          const uint64_t next = uint64_t{w.pos} + w.skip;  // no uint32 overflow near 2^32
          w.pos = static_cast<uint32_t>(next >= size ? next - size : next);
        }
        table[w.pos] = w.index;
        if (++filled == size) return table;
      }
    }
  }
}

}  // namespace tandem::balance
