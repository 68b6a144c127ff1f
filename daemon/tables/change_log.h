#pragma once
// The change log of a replicated table (STYLE habit 4, after HAProxy's
// stick tables), shared by StickyTable and SourceLimits: every change to an
// entry gives it the next number of a table-wide sequence and moves it to
// the end of its shard's change order, so the log is the entries
// themselves: no extra memory, no overflow, repeated writes of one key
// coalesce. A reader keeps a cursor (the last number it has seen) and asks
// for what changed after it.
//
// Threading: collect_changes locks one shard at a time (Shard::mu).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tandem::tables {

// Which changes a reader wants.
enum class ChangeScope {
  Local,  // changes made on this node: the incremental push to a peer
  All,    // every live entry, also those applied from a peer: a full resync
};
const char* to_string(ChangeScope scope);

// A batch of changes in ascending seq, and where the next read resumes.
template <typename Entry>
struct ChangeBatch {
  std::vector<Entry> entries;
  uint64_t cursor = 0;  // pass as after_seq next time; covers skipped seqs too
};

// Up to `limit` entries changed after `after_seq`, in ascending seq, each
// once with its current value. `hi` is the table's sequence loaded before
// the call: every seq <= hi was assigned inside a shard lock taken before,
// so locking that shard afterwards shows it (or its later change).
//   Shard: has `std::mutex mu` and `log`, an IntrusiveList of Nodes in seq order;
//   Node:  has `uint64_t seq`;
//   keep(const Node&) -> bool: whether to return it (live, in scope);
//   copy(const Node&) -> Entry (with the same seq), called under the lock.
template <typename Entry, typename Shard, typename Keep, typename Copy>
ChangeBatch<Entry> collect_changes(Shard* shards, size_t shard_count, uint64_t hi, uint64_t after_seq, size_t limit,
                                   Keep keep, Copy copy) {
  uint64_t covered = hi;  // all changes up to here are collected
  std::vector<Entry> out;
  for (size_t i = 0; i < shard_count && limit > 0; ++i) {
    Shard& s = shards[i];
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.log.empty() || s.log.back()->seq <= after_seq) continue;
    // Find the first change after the cursor from whichever end is nearer.
    const auto* n = s.log.front();
    if (after_seq - std::min(after_seq, s.log.front()->seq) < s.log.back()->seq - after_seq) {
      while (n->seq <= after_seq) n = s.log.next(n);
    } else {
      for (n = s.log.back(); s.log.prev(n) != nullptr && s.log.prev(n)->seq > after_seq; n = s.log.prev(n)) {}
    }
    size_t taken = 0;
    for (; n != nullptr && n->seq <= hi; n = s.log.next(n)) {
      if (!keep(*n)) continue;
      if (taken == limit) {  // this shard is only covered up to its last copy
        covered = std::min(covered, out.back().seq);
        break;
      }
      out.push_back(copy(*n));
      ++taken;
    }
  }
  std::erase_if(out, [&](const Entry& e) { return e.seq > covered; });
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.seq < b.seq; });
  if (out.size() > limit) {
    out.resize(limit);
    covered = out.back().seq;
  }
  return ChangeBatch<Entry>{std::move(out), limit == 0 ? after_seq : std::max(covered, after_seq)};
}

}  // namespace tandem::tables
