#pragma once
// SourceLimits: the per-source protections of one frontend (config keys
// limit_connections, limit_connection_rate, limit_request_rate,
// limit_table_size). A source is a client address (its raw bytes, 4 or 16).
//
// Semantics
//  - Concurrency: at most `max_connections` connections of one source are
//    admitted at a time; each admitted connection must be reported closed
//    once with connection_closed(). 0 = no limit, and then nothing is counted
//    (connection_closed() does nothing).
//  - Rates are token buckets: capacity max(1, rate) tokens (a burst of one
//    second's worth), refilled continuously at `rate` tokens per second of
//    the clock's monotonic time; a new source starts full. Admitting takes a
//    token; a refusal takes none. 0 = no limit.
//  - A connection refused for concurrency takes no rate token.
//  - At most `max_entries` sources are tracked. When a shard is full, a new
//    source evicts the least recently seen source of that shard that has no
//    connection open; only when every entry of the shard has connections
//    open is the least recently seen of those evicted (its count is lost: a
//    later connection_closed() for it finds nothing, or a newer entry, whose
//    count never goes below 0). Sharded like StickyTable (up to 16 shards by
//    key hash, each its own mutex and recency order), so the order is exact
//    within a shard and approximate overall.
//  - Replication (the sync channel): a change log as StickyTable's
//    (change_log.h), off until follow() is called (the sync feed does, for
//    the tables it reads): then every admit and close of a source makes its
//    entry the table's latest change, stamped with the wall time and this
//    node's origin id; changes_since() reads it. Off, the per-request path
//    has no shared counter and no clock read. apply_remote() takes a peer's
//    entry if it is newer (last writer wins) and sets the buckets to its
//    tokens: a source that exhausted its tokens on one node is still
//    limited on the other. Each node counts only its own open connections
//    (the peer's connections die with a failover), so a remote entry's
//    connection count is not applied.
//
// Threading: every method is thread-safe; the admit/closed calls lock one
// shard briefly and allocate only when a new source is inserted. A call with
// no applicable limit returns at once without locking. `clock` must outlive
// the table.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "daemon/tables/change_log.h"

namespace tandem::tables {

struct SourceLimitsOptions {
  uint32_t max_connections = 0;  // limit_connections; 0 = none
  double connection_rate = 0;    // limit_connection_rate (per second); 0 = none
  double request_rate = 0;       // limit_request_rate (per second); 0 = none
  size_t max_entries = 100000;   // limit_table_size; 0 is taken as 1
  uint32_t node_id = 0;          // origin stamped on local changes

  // True if any limit is set (a frontend without one needs no table).
  bool any() const { return max_connections > 0 || connection_rate > 0 || request_rate > 0; }
};

// A plain copy of one source's state, with the buckets refilled to the time
// of the copy.
struct SourceEntry {
  std::string source;              // the address bytes
  uint32_t connections = 0;        // admitted and not yet closed
  double connection_tokens = 0;    // left in the connection-rate bucket
  double request_tokens = 0;       // left in the request-rate bucket
  base::MonoTime last_seen{};      // the last admit or close call for it
  base::WallTime updated{};        // wall time of the last change: the LWW stamp
  uint32_t origin = 0;             // node id of the last writer
  uint64_t seq = 0;                // this table's number for the last change
};

class SourceLimits {
 public:
  SourceLimits(const base::Clock& clock, SourceLimitsOptions options);
  ~SourceLimits();
  SourceLimits(const SourceLimits&) = delete;
  SourceLimits& operator=(const SourceLimits&) = delete;

  // A new connection from `source`: true if it may be served (it is then
  // counted as open until connection_closed()); false if the source has
  // max_connections open or no connection token left (counted in
  // refused_connections()).
  bool admit_connection(std::string_view source);

  // A connection that admit_connection() let in has closed. Call exactly
  // once per admitted connection, with the same source bytes.
  void connection_closed(std::string_view source);

  // A new request from `source`: true if within limit_request_rate; false
  // (counted in refused_requests()) if its bucket is empty.
  bool admit_request(std::string_view source);

  // The state of one source, nullopt if it is not tracked. Does not count as
  // seeing it. For status and tests.
  std::optional<SourceEntry> find(std::string_view source) const;

  // Counters; wait-free.
  uint64_t refused_connections() const { return refused_connections_.load(std::memory_order_relaxed); }
  uint64_t refused_requests() const { return refused_requests_.load(std::memory_order_relaxed); }
  // Entries evicted while they still had connections open.
  uint64_t evicted_busy() const { return evicted_busy_.load(std::memory_order_relaxed); }
  size_t size() const { return size_.load(std::memory_order_relaxed); }

  // Turns the change log on (idempotent); the sources already tracked are
  // logged at once. Any thread.
  void follow();

  // Up to `limit` entries changed after `after_seq` (in `scope`), ascending
  // seq, tokens as of now; resume with the returned cursor (change_log.h).
  ChangeBatch<SourceEntry> changes_since(uint64_t after_seq, size_t limit, ChangeScope scope) const;

  // The number of the latest change; poll it to learn of new changes. Wait-free.
  uint64_t last_seq() const { return seq_.load(); }

  // Applies a peer's entry if it is newer than the local one (or there is
  // none): the buckets take its tokens (at most the capacity), refilling
  // from now. Returns true if applied. Never shows up in ChangeScope::Local.
  bool apply_remote(const SourceEntry& entry);

  const SourceLimitsOptions& options() const { return options_; }

 private:
  struct Node;
  struct Shard;

  Shard& shard_for(std::string_view key) const;
  Node& find_or_insert_locked(Shard& s, std::string_view key, base::MonoTime now);
  void refill_locked(Node& n, base::MonoTime now) const;
  void set_connections_locked(Shard& s, Node& n, uint32_t connections);
  void remove_locked(Shard& s, Node& n);
  void publish_locked(Shard& s, Node& n);
  void log_locked(Shard& s, Node& n);
  SourceEntry copy_locked(const Node& n, base::MonoTime now) const;

  const base::Clock& clock_;
  const SourceLimitsOptions options_;
  const double connection_capacity_;
  const double request_capacity_;
  const size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> refused_connections_{0};
  std::atomic<uint64_t> refused_requests_{0};
  std::atomic<uint64_t> evicted_busy_{0};
  std::atomic<uint64_t> seq_{0};  // last assigned; assigned under a shard lock
  std::atomic<bool> logging_{false};
};

}  // namespace tandem::tables
