#pragma once
// A fast, stable 64-bit hash of a byte string, for choosing servers.
//
// Stability is the point: there is no per-process seed, so two nodes with the
// same configuration pick the same server for the same client, and a restart
// keeps every client where it was. The values are pinned by a golden test;
// changing this function moves every `source`-balanced client at upgrade.
//
// Construction: FNV-1a 64 (public domain, Fowler/Noll/Vo) over the bytes, then
// the 64-bit finalizer of MurmurHash3 (public domain, Austin Appleby). FNV-1a
// alone is well distributed in its low bits only weakly for short inputs such
// as 4-byte IPv4 addresses; the finalizer gives full avalanche, so
// `hash % table_size` and `hash >> k` are both usable. Keys here are short
// (4/16 address bytes, server names), where a byte loop beats block hashes.
//
// Everything is constexpr and thread-safe (pure functions).

#include <cstdint>
#include <string_view>

namespace tandem::balance {

inline constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnvPrime = 0x00000100000001b3ULL;

// Plain FNV-1a 64 of `bytes`, continuing from `state` (the offset basis for a
// fresh hash). Exposed for its published test vectors.
constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t state = kFnvOffsetBasis) {
  for (char c : bytes) {
    state ^= static_cast<uint8_t>(c);
    state *= kFnvPrime;
  }
  return state;
}

// MurmurHash3's fmix64: a bijective avalanche mixer of one 64-bit word.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// The hash used for balancing: stable across processes, nodes and releases.
constexpr uint64_t hash_bytes(std::string_view bytes) { return mix64(fnv1a64(bytes)); }

}  // namespace tandem::balance
