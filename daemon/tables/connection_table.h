#pragma once
// ConnectionTable: every live client connection of this node, for status
// (`show conns`, the MIB) and, later, for replication to the peer.
//
// Sharded by worker: a worker adds, updates and removes only its own
// connections, in its own shard, so its lock is contended only by status
// reads. Byte counters are atomics written by the owning worker without any
// lock and read relaxed by status.
//
// Change log for the sync channel (STYLE habit 4). Off by default and then
// free (no records, no sequence numbers). When enabled, each shard keeps a
// ring of the last N changes (Added / ServerChanged / Removed, with a copy of
// the connection) numbered from a table-wide sequence. A reader pulls with
// changes_since(cursor) and keeps the returned cursor; if the ring has
// overwritten changes it had not read, the batch says `complete = false`
// and the reader resyncs: cursor = last_seq(), then snapshot(), then
// changes_since(cursor) again; applying must therefore be idempotent (add of
// a known id = update, remove of an unknown id = no-op). Byte counts are not
// changes (they move constantly); the reader samples them from snapshots.
//
// Threading: all methods are thread-safe. add/set_server/remove of an entry
// and its byte counters belong to its owning worker; snapshot, size,
// changes_since and set_change_log_capacity may be called from any thread.
// `clock` must outlive the table.

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/socket_address.h"

namespace tandem::tables {

// What is known when the connection is accepted.
struct ConnectionInfo {
  base::SocketAddress client;
  std::string frontend;
  std::string pool;
};

// A plain copy of one connection, for status and for the change log.
struct ConnectionSnapshot {
  uint64_t id = 0;
  unsigned worker = 0;
  base::SocketAddress client;
  std::string frontend;
  std::string pool;
  std::string server;  // empty until a server is chosen
  base::WallTime started{};
  base::Millis age{0};
  uint64_t bytes_to_server = 0;  // client -> server
  uint64_t bytes_to_client = 0;  // server -> client
};

// One live connection, owned by the table. The pointer add() returns stays
// valid until remove(); the worker keeps it in its connection object.
class ConnectionEntry {
  // Only the table creates entries (std::list needs a public constructor).
  class PassKey {
    friend class ConnectionTable;
    PassKey() = default;
  };

 public:
  ConnectionEntry(PassKey, uint64_t id, unsigned worker, ConnectionInfo info, base::MonoTime started,
                  base::WallTime started_wall)
      : id_(id), worker_(worker), info_(std::move(info)), started_(started), started_wall_(started_wall) {}
  ConnectionEntry(const ConnectionEntry&) = delete;
  ConnectionEntry& operator=(const ConnectionEntry&) = delete;

  uint64_t id() const { return id_; }
  unsigned worker() const { return worker_; }
  const ConnectionInfo& info() const { return info_; }
  base::MonoTime started() const { return started_; }
  base::WallTime started_wall() const { return started_wall_; }

  // Counts bytes relayed. Owning worker only (single writer: a plain
  // load+store, no locked instruction).
  void add_bytes_to_server(uint64_t n) { bump(to_server_, n); }
  void add_bytes_to_client(uint64_t n) { bump(to_client_, n); }

  // Any thread; a recent value.
  uint64_t bytes_to_server() const { return to_server_.load(std::memory_order_relaxed); }
  uint64_t bytes_to_client() const { return to_client_.load(std::memory_order_relaxed); }

 private:
  friend class ConnectionTable;

  static void bump(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  const uint64_t id_;
  const unsigned worker_;
  const ConnectionInfo info_;
  const base::MonoTime started_;
  const base::WallTime started_wall_;
  std::atomic<uint64_t> to_server_{0};
  std::atomic<uint64_t> to_client_{0};
  std::string server_;                          // guarded by the shard's mutex
  std::list<ConnectionEntry>::iterator self_;  // position in the shard, for O(1) remove
};

enum class ConnectionChangeKind { Added, ServerChanged, Removed };
const char* to_string(ConnectionChangeKind kind);

struct ConnectionChange {
  uint64_t seq = 0;
  ConnectionChangeKind kind = ConnectionChangeKind::Added;
  ConnectionSnapshot conn;  // as of the change (for Removed: the final state)
};

// A batch of changes in ascending seq, and where the next read resumes.
struct ConnectionChanges {
  std::vector<ConnectionChange> changes;
  uint64_t cursor = 0;    // pass as after_seq next time
  bool complete = false;  // false: changes were lost (or logging is off): resync
};

class ConnectionTable {
 public:
  // One shard per worker; `workers` >= 1 (0 is taken as 1).
  ConnectionTable(const base::Clock& clock, unsigned workers);
  ~ConnectionTable();
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // Registers a new connection of `worker` (< workers; taken modulo) with a
  // fresh unique id and the current time. One allocation; never fails.
  ConnectionEntry* add(unsigned worker, ConnectionInfo info);

  // Sets or changes the server (a retry may pick another). Owning worker.
  void set_server(ConnectionEntry* entry, std::string_view server);

  // Forgets the connection and frees `entry`. Owning worker; `entry` is
  // dangling afterwards.
  void remove(ConnectionEntry* entry);

  // Live connections. Wait-free.
  size_t size() const { return size_.load(std::memory_order_relaxed); }

  // Up to `limit` connections, worker by worker, oldest first within one.
  std::vector<ConnectionSnapshot> snapshot(size_t limit) const;

  // Keeps the last `per_worker` changes of each worker from now on (0: off,
  // the default). Changes recorded before are dropped. Any thread.
  void set_change_log_capacity(size_t per_worker);

  // The number of the latest recorded change. Wait-free.
  uint64_t last_seq() const { return seq_.load(); }

  // Up to `limit` recorded changes after `after_seq`, ascending.
  ConnectionChanges changes_since(uint64_t after_seq, size_t limit) const;

  unsigned workers() const { return static_cast<unsigned>(shard_count_); }

 private:
  struct Shard;

  void record_locked(Shard& s, ConnectionChangeKind kind, const ConnectionEntry& e);
  ConnectionSnapshot copy_locked(const ConnectionEntry& e, base::MonoTime now) const;

  const base::Clock& clock_;
  const size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> seq_{0};  // last assigned; assigned under a shard lock
};

}  // namespace tandem::tables
