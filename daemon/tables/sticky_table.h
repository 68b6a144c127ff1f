#pragma once
// StickyTable: key -> server name, so a returning client lands on the server
// it had (`sticky = source`: key = client address bytes; later cookie values).
//
// Semantics
//  - An entry lives `ttl` after its last use: lookup() hits and store() both
//    refresh it. An expired entry is a miss and is removed when met.
//  - At most `max_entries` entries. When full, a store evicts the least
//    recently used entry. The table is sharded (up to 16 shards by key hash,
//    each its own mutex and LRU order; small tables use fewer shards), so
//    eviction is LRU within a shard: exact for one shard, approximate overall.
//  - A reload keeps the table; erase_server() drops the entries of a server
//    that the new configuration no longer has.
//
// Change log for the sync channel (STYLE habit 4, after HAProxy's stick
// tables). Every change to an entry gives it the next number of a table-wide
// sequence and moves it to the end of its shard's change order, so the log is
// the entries themselves: no extra memory, no overflow, repeated writes of
// one key coalesce. Each entry carries the wall time of its last write and
// the node id that wrote it. A peer reads with changes_since(cursor), keeps
// the returned cursor (last_pushed), and applies what it receives with
// apply_remote(): newer wall time wins (ties: higher origin id), and applied
// entries are not fed back by ChangeScope::Local, so nothing ping-pongs.
// A hit refreshes the entry's expiry locally and republishes it at most every
// ttl/4, so the peer's copy of an entry in use never expires.
// Removals (expiry, eviction, erase_server) are not published: each node
// expires on its own clock and reloads its own configuration.
//
// Threading: every method is thread-safe; lookup/store/apply_remote lock one
// shard briefly; erase_server/expire/snapshot/changes_since lock one shard at
// a time. `clock` must outlive the table.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "daemon/tables/change_log.h"

namespace tandem::tables {

struct StickyOptions {
  base::Millis ttl{30 * 60 * 1000};  // sticky_ttl
  size_t max_entries = 100000;       // sticky_size; 0 is taken as 1
  uint32_t node_id = 0;              // origin stamped on local changes
};

// A plain copy of one entry: what status shows and what sync ships.
struct StickyEntry {
  std::string key;
  std::string server;
  base::Millis remaining_ttl{0};  // relative, so node clocks need not agree
  base::WallTime updated{};       // wall time of the last write: the LWW stamp
  uint32_t origin = 0;            // node id of the last writer
  uint64_t seq = 0;               // this table's number for the last change
};

// A batch of changes (change_log.h).
using StickyChanges = ChangeBatch<StickyEntry>;

class StickyTable {
 public:
  StickyTable(const base::Clock& clock, StickyOptions options);
  ~StickyTable();
  StickyTable(const StickyTable&) = delete;
  StickyTable& operator=(const StickyTable&) = delete;

  // The server stored for `key`, refreshing its expiry; nullopt on a miss
  // (absent or expired; an expired entry is removed). Allocates only the
  // returned string (none for names that fit the small-string buffer).
  std::optional<std::string> lookup(std::string_view key);

  // As lookup(), filling `*server` (reusing its capacity: no allocation on a
  // hit once the buffer has grown). Returns false on a miss, `*server` unchanged.
  bool lookup_into(std::string_view key, std::string* server);

  // Records key -> server as a local write (a new change with this node as
  // origin), refreshing expiry; evicts the shard's least recently used entry
  // if the shard is full. Storing the value already there only refreshes it.
  void store(std::string_view key, std::string_view server);

  // Applies an entry received from a peer if it is newer than the local one
  // (or there is none), with expiry min(remaining_ttl, ttl) from now.
  // Returns true if applied. Never shows up in ChangeScope::Local. Ignores an
  // entry with an empty key or server or no remaining ttl.
  bool apply_remote(const StickyEntry& entry);

  // Removes every entry pointing at `server`; returns how many. O(size).
  size_t erase_server(std::string_view server);

  // Removes expired entries from the old end of each shard, at most
  // `max_remove` in all; returns how many. Call periodically (e.g. 1/s).
  // Entries applied from a peer with a short remaining ttl may linger until a
  // lookup meets them or they reach the old end: memory only, never a hit.
  size_t expire(size_t max_remove = SIZE_MAX);

  // Entries currently held (expired ones not yet swept included). Wait-free.
  size_t size() const { return size_.load(std::memory_order_relaxed); }

  // Up to `limit` live entries, most recently changed first, for status.
  std::vector<StickyEntry> snapshot(size_t limit) const;

  // The number of the latest change; poll it to learn of new changes. Wait-free.
  uint64_t last_seq() const { return seq_.load(); }

  // Up to `limit` live entries changed after `after_seq` (in `scope`), in
  // ascending seq. Each entry appears once with its current value. Resume
  // with the returned cursor. Locks each shard while copying up to `limit`
  // entries: keep limit modest (hundreds). For a full resync: after_seq = 0,
  // ChangeScope::All, until a batch comes back empty.
  StickyChanges changes_since(uint64_t after_seq, size_t limit, ChangeScope scope) const;

  base::Millis ttl() const { return ttl_; }
  size_t max_entries() const { return max_entries_; }

 private:
  struct Node;
  struct Shard;

  Shard& shard_for(std::string_view key) const;
  void touch_locked(Shard& s, Node& n, base::MonoTime now);
  void publish_locked(Shard& s, Node& n, base::MonoTime now);
  Node& insert_locked(Shard& s, std::string_view key);
  void remove_locked(Shard& s, Node& n);
  StickyEntry copy_locked(const Node& n, base::MonoTime now) const;

  const base::Clock& clock_;
  const base::Millis ttl_;
  const base::Nanos republish_interval_;
  const size_t max_entries_;
  const uint32_t node_id_;
  const size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> seq_{0};  // last assigned; assigned under a shard lock
  std::atomic<size_t> expire_start_{0};
};

}  // namespace tandem::tables
