#pragma once
// What the replication channel (sync/channel.h) talks through: the byte
// transport to the peer, and the replicated tables of this node. sync/ knows
// nothing of the daemon: the daemon implements Replica over its tables, and
// the sync service adapts its Link to Transport. Tests fake both.
//
// Threading: all of these are called on the channel's thread (the daemon's
// main loop) only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sync/frames.h"
#include "sync/records.h"

namespace tandem::sync {

// One connection to the peer, as the channel sees it. The channel never
// outlives the connection's owner; one Transport serves every connection
// of a channel (the channel is told of each by on_up / on_down).
class Transport {
 public:
  virtual ~Transport() = default;
  // Queues one or more whole encoded frames. False if they do not fit (the
  // queue is full): nothing was queued.
  virtual bool send(std::string_view frames) = 0;
  // Bytes queued and not yet written to the peer.
  virtual size_t queued() const = 0;
  // Sends GOODBYE(reason, text) best effort and closes this connection. The
  // owner may or may not call Channel::on_down from inside it; the channel
  // copes with both.
  virtual void reset(GoodbyeReason reason, std::string text) = 0;
};

// One connection's view of the local tables: a snapshot, then local changes.
// Reads the tables themselves (which coalesce repeated writes to one entry),
// so it holds no queue of its own. Destroyed when the connection ends.
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Appends up to `limit` records to *out; returns how many. While
  // in_snapshot(), records are every live entry (any origin), and a return
  // of 0 means the snapshot is complete: the feed then moves on to changes
  // made locally after the snapshot began (never entries applied from the peer).
  virtual size_t pull(size_t limit, std::vector<Record>* out) = 0;
  virtual bool in_snapshot() const = 0;
};

// The outcome of applying one record from the peer.
enum class ApplyResult {
  Applied,  // the entry now holds the record
  Stale,    // last-writer-wins: the entry held is newer (or equal)
  Skipped,  // a table this node does not replicate
  Refused,  // names something unknown here (a pool, a server, a frontend)
};
// "applied", "stale", "skipped", "refused".
inline const char* to_string(ApplyResult r) {
  switch (r) {
    case ApplyResult::Applied: return "applied";
    case ApplyResult::Stale: return "stale";
    case ApplyResult::Skipped: return "skipped";
    case ApplyResult::Refused: return "refused";
  }
  return "unknown";
}

// The replicated tables of this node, as the daemon exposes them.
class Replica {
 public:
  virtual ~Replica() = default;
  // This node's [global] node name.
  virtual std::string node() const = 0;
  // Fingerprint of the whole replicated configuration.
  virtual Digest config_digest() const = 0;
  // One fingerprint per pool (a pool's servers and what makes its entries
  // meaningful on the peer). Pools whose fingerprints differ are not replicated.
  virtual std::vector<PoolFingerprint> pool_fingerprints() const = 0;
  // A new feed, at each new connection (after the peer's HELLO).
  virtual std::unique_ptr<ChangeFeed> open_feed() = 0;
  // Changes whenever a feed may have more to pull; cheap, polled every tick.
  virtual uint64_t local_version() const = 0;
  // Applies one record from the peer, last-writer-wins. Never makes the
  // record a local change (a feed does not send it back).
  virtual ApplyResult apply(const Record& record) = 0;
  // The peer starts sending a full snapshot of its tables.
  virtual void peer_snapshot_begin() = 0;
  // ... and it is complete: entries from the peer that it did not re-send
  // may be forgotten. A begin without an end (the link went down) is
  // followed by another begin on the next connection.
  virtual void peer_snapshot_end() = 0;
  // This node's VRRP role per instance, for heartbeats.
  virtual std::vector<InstanceRole> vrrp_roles() const = 0;
};

}  // namespace tandem::sync
