#pragma once
// Operator decisions on servers (`tandemctl server enable|drain|disable|
// weight`), kept as a replicated table so that a decision taken on one node
// holds on its peer, also after a failover or a restart of either node
// (issue 5; docs/sync.md table 4 "admin").
//
// One entry per (pool, server): the admin state and the weight the operator
// set (none: as configured), stamped with the wall time and origin of the
// last decision. A decision from the peer replaces the entry only if it is
// newer (last writer wins, the order sync::stamp_newer defines), so both
// nodes converge on the same decision. Entries are never removed: "enable"
// is itself a decision that must win over an older "disable" on the peer.
// The daemon applies the winning entry to the live server state.
//
// Change log: each local decision takes the next number of the table's
// sequence; a sync feed reads decisions taken here after a number
// (changes_since), and the whole table for a snapshot.
//
// Threading: main thread only (status commands and the sync channel).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/runtime/server_state.h"

namespace tandem::replication {

struct AdminDecision {
  std::string pool;
  std::string server;
  runtime::AdminState state = runtime::AdminState::Enabled;
  std::optional<int> weight;  // the operator's weight; nullopt: as configured
  uint64_t stamp_ms = 0;      // wall clock of the decision, ms since the epoch
  std::string origin;         // the node that took it
  uint64_t seq = 0;           // this table's number; 0 for decisions from the peer
};

class AdminDecisions {
 public:
  explicit AdminDecisions(std::string node) : node_(std::move(node)) {}

  // Records the operator's admin state / weight for a server, taken on this
  // node at `now_ms`; the other half of the entry stays as it was (a drain
  // keeps an earlier weight). Returns the entry as it now is.
  const AdminDecision& set_state(const std::string& pool, const std::string& server, runtime::AdminState state,
                                 uint64_t now_ms);
  const AdminDecision& set_weight(const std::string& pool, const std::string& server, int weight, uint64_t now_ms);

  // A decision from the peer: stored if it is newer than the entry held (or
  // there is none). Returns true if stored (the caller applies it).
  bool apply_remote(const AdminDecision& decision);

  // Decisions taken on this node with seq > after_seq, in ascending seq.
  std::vector<AdminDecision> changes_since(uint64_t after_seq) const;

  // Every entry (any origin), for a snapshot.
  std::vector<AdminDecision> all() const;

  const AdminDecision* find(const std::string& pool, const std::string& server) const;

  // The number of the latest local decision (0: none yet).
  uint64_t last_seq() const { return seq_; }

 private:
  AdminDecision& local_entry(const std::string& pool, const std::string& server, uint64_t now_ms);

  std::string node_;
  std::map<std::pair<std::string, std::string>, AdminDecision> entries_;
  uint64_t seq_ = 0;
};

}  // namespace tandem::replication
