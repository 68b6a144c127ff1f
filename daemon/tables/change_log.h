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

// The first node of `log` with seq > after_seq (nullptr if none), walking
// from whichever end is nearer. The caller holds the shard's lock.
template <typename List>
auto first_after(const List& log, uint64_t after_seq) {
  const auto* n = log.front();
  if (n == nullptr || log.back()->seq <= after_seq) return decltype(n)(nullptr);
  if (after_seq - std::min(after_seq, log.front()->seq) < log.back()->seq - after_seq) {
    while (n->seq <= after_seq) n = log.next(n);
  } else {
    for (n = log.back(); log.prev(n) != nullptr && log.prev(n)->seq > after_seq; n = log.prev(n)) {}
  }
  return n;
}

// Up to `limit` entries changed after `after_seq`, in ascending seq, each
// once with its current value. `hi` is the table's sequence loaded before
// the call: every seq <= hi was assigned inside a shard lock taken before,
// so locking that shard afterwards shows it (or its later change).
//   Shard: has `std::mutex mu` and `log`, an IntrusiveList of Nodes in seq order;
//   Node:  has `uint64_t seq`;
//   keep(const Node&) -> bool: whether to return it (live, in scope);
//   copy(const Node&) -> Entry (with the same seq), called under the lock.
// Two passes, one shard lock at a time: the first finds the numbers of the
// `limit` oldest changes over all shards (no copies), the second copies
// those; so a large backlog costs `limit` copies per call, not one batch
// per shard. An entry changed between the passes has a number above `hi`:
// it is left for the next call.
template <typename Entry, typename Shard, typename Keep, typename Copy>
ChangeBatch<Entry> collect_changes(Shard* shards, size_t shard_count, uint64_t hi, uint64_t after_seq, size_t limit,
                                   Keep keep, Copy copy) {
  if (limit == 0) return ChangeBatch<Entry>{{}, after_seq};
  uint64_t covered = hi;  // every change up to here is found
  std::vector<uint64_t> seqs;
  for (size_t i = 0; i < shard_count; ++i) {
    Shard& s = shards[i];
    std::lock_guard<std::mutex> lock(s.mu);
    size_t taken = 0;
    for (auto* n = first_after(s.log, after_seq); n != nullptr && n->seq <= hi; n = s.log.next(n)) {
      if (!keep(*n)) continue;
      if (taken == limit) {  // this shard is only searched up to its last number taken
        covered = std::min(covered, seqs.back());
        break;
      }
      seqs.push_back(n->seq);
      ++taken;
    }
  }
  std::erase_if(seqs, [&](uint64_t q) { return q > covered; });
  std::sort(seqs.begin(), seqs.end());
  if (seqs.size() > limit) {
    seqs.resize(limit);
    covered = seqs.back();
  }
  std::vector<Entry> out;
  out.reserve(seqs.size());
  if (!seqs.empty()) {
    for (size_t i = 0; i < shard_count; ++i) {
      Shard& s = shards[i];
      std::lock_guard<std::mutex> lock(s.mu);
      for (auto* n = first_after(s.log, after_seq); n != nullptr && n->seq <= covered; n = s.log.next(n))
        if (keep(*n)) out.push_back(copy(*n));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.seq < b.seq; });
  }
  return ChangeBatch<Entry>{std::move(out), std::max(covered, after_seq)};
}

}  // namespace tandem::tables
