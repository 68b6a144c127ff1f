#pragma once
// What a replication channel (sync/channel.h) shows: its state and counters,
// as a plain value copied out by Channel::status() for `show sync` and the
// MIB.
//
// Threading: plain data.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace tandem::sync {

enum class ChannelState {
  Down,     // no connection to the peer
  Hello,    // connected, our HELLO sent, waiting for the peer's
  Syncing,  // HELLOs exchanged; a snapshot is in progress in either direction
            // (ours not yet all acknowledged, or the peer's not yet ended)
  Synced,   // both snapshots complete (ours acknowledged): increments only
};
const char* to_string(ChannelState s);  // "down", "hello", "syncing", "synced"

// Totals since the channel was created (over every connection).
struct ChannelCounters {
  uint64_t connections = 0;         // on_up calls
  uint64_t records_sent = 0;        // records sent in UPDATES (snapshot and increments)
  uint64_t records_withheld = 0;    // not sent: they name a mismatched pool
  uint64_t records_invalid = 0;     // not sent: a field out of its wire bounds (logged)
  uint64_t records_received = 0;    // records received in UPDATES (all of them)
  uint64_t records_applied = 0;     // ... applied
  uint64_t records_stale = 0;       // ... lost last-writer-wins
  uint64_t records_skipped = 0;     // ... of a table unknown or not replicated here
  uint64_t records_refused = 0;     // ... naming a mismatched or unknown pool/server
  uint64_t snapshots_sent = 0;      // SNAPSHOT_END sent (resyncs of the peer)
  uint64_t snapshots_received = 0;  // SNAPSHOT_END received and checked
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  uint64_t resets = 0;              // connections this side closed (protocol error, timeout, ...)
};

struct ChannelStatus {
  ChannelState state = ChannelState::Down;
  std::string peer_node;                  // from the peer's HELLO ("" before)
  uint8_t version = 0;                    // negotiated protocol version (0 before)
  std::optional<base::MonoTime> up_since;        // the current connection's on_up
  std::optional<base::MonoTime> last_hello;      // when the peer's HELLO arrived
  std::optional<uint64_t> peer_hello_wall_ms;    // its wall_ms
  std::optional<base::MonoTime> last_heartbeat;  // when the peer's last HEARTBEAT arrived
  std::optional<base::MonoTime> last_received;   // when the peer's last frame arrived
  // The peer's wall clock minus ours, at the last HELLO or HEARTBEAT (ms;
  // transit time included). Matters for last-writer-wins.
  int64_t clock_offset_ms = 0;
  bool config_mismatch = false;           // the whole-config digests differ (not fatal)
  std::vector<std::string> mismatched_pools;  // neither sent nor applied
  uint64_t sent_seq = 0;                  // the last sequence number sent
  uint64_t acked_seq = 0;                 // the last one the peer acknowledged
  uint64_t received_seq = 0;              // the last one received (and acknowledged)
  uint64_t lag_records = 0;               // sent_seq - acked_seq
  base::Millis lag_age{0};                // age of the oldest unacknowledged record (0 if none)
  bool split_brain = false;               // an instance is Master on both nodes
  std::vector<std::string> split_brain_instances;
  std::string last_error;                 // why the last connection ended ("" if none yet)
  ChannelCounters counters;
};

}  // namespace tandem::sync
