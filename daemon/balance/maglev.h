#pragma once
// Weighted Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and
// Reliable Software Network Load Balancer", NSDI'16, section 3.4), with
// weights handled as Katran does: backends take turns claiming slots, and a
// backend of weight w gets w/max_weight turns per round, so its share of the
// table is its share of the total weight.
//
// A pure function (STYLE habit 11): it knows nothing of pools, health or
// threads. The daemon builds a table on its main thread whenever the eligible
// set of a pool changes and shares it read-only with the workers.
//
// Properties (pinned by tests/unit/balance/maglev_test.cc):
//  - deterministic, and independent of the order of the input: backends are
//    identified by `id_hash` (the hash of the server NAME, not its address, so
//    moving a server keeps its clients) and taken in id_hash order;
//  - each backend's share of slots is within ~1% of its weight share;
//  - when one of N equal backends leaves, about 1/N of the slots move, nearly
//    all of them the departed backend's.

#include <cstdint>
#include <span>
#include <vector>

namespace tandem::balance {

// One backend as Maglev sees it. Weight 0 means "takes no slots".
struct MaglevBackend {
  uint64_t id_hash = 0;  // hash_bytes(server name); unique within one call
  uint32_t weight = 0;
};

// The paper's recommended size for up to a few hundred backends (M >> 100 N).
inline constexpr uint32_t kMaglevDefaultSize = 65537;

// True if `n` is prime (trial division; for table sizes, not a hot path).
bool is_prime(uint32_t n);

// Builds the lookup table: element i is the index in `backends` of the
// backend owning slot i, or -1 in every slot if no backend has a weight.
//
// `size` should be prime and much larger than the number of backends; a
// non-prime size is rounded up to the next prime (the probe sequences are
// permutations only for a prime size), so callers index with table.size().
// Backends with equal id_hash (duplicate names) are a caller error; the result
// is still deterministic for a given input order.
//
// Cost: O(size * log size) expected probing plus O(rounds * N) for the turn
// loop, rounds = size * max_weight / sum_weight; ~1 ms for 65537 slots and a
// handful of backends. Allocates the table and O(N) scratch.
// Thread-safe (pure).
std::vector<int32_t> build_maglev_table(std::span<const MaglevBackend> backends,
                                        uint32_t size = kMaglevDefaultSize);

// The backend index for a key hash (e.g. hash_bytes(client address bytes)),
// or -1 for an empty table or a table without backends. O(1), no allocation.
inline int32_t maglev_lookup(std::span<const int32_t> table, uint64_t key_hash) {
  if (table.empty()) return -1;
  return table[key_hash % table.size()];
}

}  // namespace tandem::balance
