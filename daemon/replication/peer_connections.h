#pragma once
// The peer's live client connections, as its sync channel reports them
// (docs/sync.md table 3 "connection"), for `show peer conns`: after a
// failover the new master's operator sees what the old master was serving.
//
// The peer sends each connection when it opens, when its server changes and
// when it closes (DELETE), and all of them again every refresh period with
// their byte counts. An entry not refreshed for a while is forgotten (the
// peer may have died with it, or a close was lost to an overflow), and a
// full snapshot replaces everything from the peer (entries it did not
// re-send are gone).
//
// Threading: main thread only (the sync channel and status).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "sync/records.h"
#include "sync/replica.h"

namespace tandem::replication {

struct PeerConnection {
  std::string origin;             // the node it lives on
  sync::ConnectionRecord conn;
  uint64_t stamp_ms = 0;          // the origin's wall clock at its last report
  base::MonoTime seen{};          // when that report arrived here
};

class PeerConnections {
 public:
  explicit PeerConnections(const base::Clock& clock) : clock_(clock) {}

  // An UPSERT (kept unless older than what is held) or DELETE of a
  // connection record; Refused for another table.
  sync::ApplyResult apply(const sync::Record& record);

  // A full snapshot from the peer begins / is complete: at the end, entries
  // from before the begin that it did not re-send are forgotten.
  void snapshot_begin();
  void snapshot_end();

  // Forgets entries not reported for `max_age`; returns how many.
  size_t expire(base::Millis max_age);

  // Up to `limit` entries, oldest connection first.
  std::vector<PeerConnection> list(size_t limit) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Held {
    PeerConnection entry;
    uint64_t generation = 0;  // the snapshot count when last reported
  };
  const base::Clock& clock_;
  std::map<std::pair<std::string, uint64_t>, Held> entries_;  // (origin, id)
  uint64_t generation_ = 0;
  bool in_snapshot_ = false;
};

}  // namespace tandem::replication
