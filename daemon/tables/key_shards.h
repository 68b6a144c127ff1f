#pragma once
// How the string-keyed tables (StickyTable, SourceLimits) spread their
// entries over shards, each with its own mutex and LRU order: up to 16
// shards, but at least 256 entries per shard, so a small table keeps one
// exact LRU order. The table's bound is split evenly over the shards.
//
// Threading: pure functions; any thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace tandem::tables {

// Transparent hash for unordered_map<std::string, …>: find() by string_view.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

inline constexpr size_t kMaxShards = 16;
inline constexpr size_t kMinEntriesPerShard = 256;

// The number of shards of a table bounded to `max_entries` (at least 1).
inline size_t shard_count_for(size_t max_entries) {
  return std::clamp<size_t>(max_entries / kMinEntriesPerShard, 1, kMaxShards);
}

// The bound of shard `i` of `shards`: max_entries split evenly, the
// remainder to the first shards.
inline size_t shard_capacity(size_t max_entries, size_t shards, size_t i) {
  return max_entries / shards + (i < max_entries % shards ? 1 : 0);
}

// The shard of `key`. The map hashes mod a prime bucket count; the shard
// takes the high bits, so the two choices stay independent.
inline size_t shard_of(std::string_view key, size_t shards) {
  const uint64_t h = KeyHash{}(key);
  return static_cast<size_t>((h >> 32) % shards);
}

}  // namespace tandem::tables
