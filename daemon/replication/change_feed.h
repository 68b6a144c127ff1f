#pragma once
// What this node sends its peer on one sync connection (sync::ChangeFeed):
// first a snapshot of every replicated entry, whatever its origin, then the
// changes made on this node after the snapshot began, as they happen.
//
// The feed holds a read position per table and reads the tables
// themselves: they coalesce repeated writes of an entry into one change
// (StickyTable's change log is its entries; AdminDecisions keeps one entry
// per server), so however far the link falls behind, what is pending is
// bounded by the tables' sizes, never by the write rate.
//
// Rate limits: as the sticky tables, per frontend.
// Connections: every live one in the snapshot and again every
// kConnectionRefresh (with byte counts), and each open, server change and
// close from the table's change log in between; if that log overflowed,
// the whole set again.
// Ticket keys: all of them in the snapshot, then each key made here once.
//
// A sticky table that appears after the snapshot (a pool added or rebuilt
// by a reload) is sent whole, then followed like the others.
//
// Threading: main thread only.

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/replication/replica_sources.h"
#include "sync/replica.h"

namespace tandem::replication {

class ChangeFeed final : public sync::ChangeFeed {
 public:
  explicit ChangeFeed(const ReplicaSources& sources) : sources_(sources) {}

  size_t pull(size_t limit, std::vector<sync::Record>* out) override;
  bool in_snapshot() const override { return in_snapshot_; }

 private:
  // One followed table with a change log (sticky tables by pool, rate-limit
  // tables by frontend).
  template <typename Table>
  struct Part {
    std::string name;            // the pool or frontend
    std::shared_ptr<Table> table;
    bool learned = false;        // a sticky table of `sticky = learn` (cookie keys)
    bool whole = true;           // still sending every entry (a snapshot of this table)
    uint64_t cursor = 0;
    bool seen = false;           // still in the daemon's map (refresh)
  };
  using StickyPart = Part<tables::StickyTable>;
  using LimitsPart = Part<tables::SourceLimits>;

  template <typename Table>
  void refresh(std::vector<Part<Table>>& parts, const std::map<std::string, std::shared_ptr<Table>>& tables);
  template <typename Table, typename Convert>
  size_t pull_part(Part<Table>& part, size_t limit, std::vector<sync::Record>* out, Convert convert);
  size_t pull_admin(size_t limit, std::vector<sync::Record>* out);
  size_t pull_ticket_keys(std::vector<sync::Record>* out);
  size_t pull_connections(size_t limit, std::vector<sync::Record>* out);
  sync::Record connection_record(const tables::ConnectionSnapshot& c, sync::Op op, uint64_t stamp_ms) const;
  sync::Record stamped(uint32_t origin, base::WallTime updated) const;

  const ReplicaSources& sources_;
  std::vector<StickyPart> sticky_parts_;
  std::vector<LimitsPart> limits_parts_;
  bool in_snapshot_ = true;
  bool admin_whole_ = true;
  uint64_t admin_cursor_ = 0;
  bool tickets_whole_ = true;
  uint64_t tickets_version_ = 0;
  std::vector<std::array<uint8_t, 16>> tickets_sent_;  // names of the keys sent
  bool connections_whole_ = true;       // send every live connection next
  uint64_t connections_cursor_ = 0;     // in the connection table's change log
  base::MonoTime connections_refresh_{};  // when to send them all again
  std::vector<sync::Record> connections_pending_;  // a whole set, sent over several pulls
};

}  // namespace tandem::replication
