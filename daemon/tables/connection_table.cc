#include "daemon/tables/connection_table.h"

#include <algorithm>
#include <mutex>

namespace tandem::tables {

const char* to_string(ConnectionChangeKind kind) {
  switch (kind) {
    case ConnectionChangeKind::Added: return "added";
    case ConnectionChangeKind::ServerChanged: return "server-changed";
    case ConnectionChangeKind::Removed: return "removed";
  }
  return "?";
}

struct alignas(64) ConnectionTable::Shard {
  std::mutex mu;
  std::list<ConnectionEntry> entries;  // oldest first; list nodes never move
  // The change ring: record k (k counted from 0 since enabling) lives at
  // ring[k % ring.size()]; the last min(written, size) records are valid and
  // in ascending seq.
  std::vector<ConnectionChange> ring;
  uint64_t written = 0;
  uint64_t lost_upto = 0;  // highest seq a reader can no longer get here

  size_t valid() const { return static_cast<size_t>(std::min<uint64_t>(written, ring.size())); }
  // The i-th oldest valid record.
  const ConnectionChange& record(size_t i) const {
    return ring[static_cast<size_t>((written - valid() + i) % ring.size())];
  }
};

ConnectionTable::ConnectionTable(const base::Clock& clock, unsigned workers)
    : clock_(clock), shard_count_(std::max(workers, 1u)), shards_(new Shard[shard_count_]) {}

ConnectionTable::~ConnectionTable() = default;

ConnectionEntry* ConnectionTable::add(unsigned worker, ConnectionInfo info) {
  worker %= static_cast<unsigned>(shard_count_);
  const uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  const base::MonoTime started = clock_.now();
  const base::WallTime started_wall = clock_.wall_now();
  Shard& s = shards_[worker];
  std::lock_guard<std::mutex> lock(s.mu);
  ConnectionEntry& e = s.entries.emplace_back(ConnectionEntry::PassKey(), id, worker, std::move(info), started,
                                              started_wall);
  e.self_ = std::prev(s.entries.end());
  size_.fetch_add(1, std::memory_order_relaxed);
  record_locked(s, ConnectionChangeKind::Added, e);
  return &e;
}

void ConnectionTable::set_server(ConnectionEntry* entry, std::string_view server) {
  Shard& s = shards_[entry->worker_];
  std::lock_guard<std::mutex> lock(s.mu);
  if (entry->server_ == server) return;
  entry->server_.assign(server);
  record_locked(s, ConnectionChangeKind::ServerChanged, *entry);
}

void ConnectionTable::remove(ConnectionEntry* entry) {
  Shard& s = shards_[entry->worker_];
  std::lock_guard<std::mutex> lock(s.mu);
  record_locked(s, ConnectionChangeKind::Removed, *entry);
  s.entries.erase(entry->self_);
  size_.fetch_sub(1, std::memory_order_relaxed);
}

namespace {

// Fills `out` reusing its strings' capacity (ring slots are recycled).
void fill(ConnectionSnapshot& out, const ConnectionEntry& e, const std::string& server, base::MonoTime now) {
  out.id = e.id();
  out.worker = e.worker();
  out.client = e.info().client;
  out.frontend.assign(e.info().frontend);
  out.pool.assign(e.info().pool);
  out.server.assign(server);
  out.started = e.started_wall();
  out.age = std::chrono::duration_cast<base::Millis>(now - e.started());
  out.bytes_to_server = e.bytes_to_server();
  out.bytes_to_client = e.bytes_to_client();
}

}  // namespace

ConnectionSnapshot ConnectionTable::copy_locked(const ConnectionEntry& e, base::MonoTime now) const {
  ConnectionSnapshot out;
  fill(out, e, e.server_, now);
  return out;
}

void ConnectionTable::record_locked(Shard& s, ConnectionChangeKind kind, const ConnectionEntry& e) {
  if (s.ring.empty()) return;  // nobody listens: no cost beyond this test
  ConnectionChange& slot = s.ring[static_cast<size_t>(s.written % s.ring.size())];
  if (s.written >= s.ring.size()) s.lost_upto = slot.seq;  // overwriting the oldest
  slot.seq = ++seq_;
  slot.kind = kind;
  fill(slot.conn, e, e.server_, clock_.now());
  ++s.written;
}

std::vector<ConnectionSnapshot> ConnectionTable::snapshot(size_t limit) const {
  std::vector<ConnectionSnapshot> out;
  out.reserve(std::min(limit, size()));
  for (size_t i = 0; i < shard_count_ && out.size() < limit; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    const base::MonoTime now = clock_.now();
    for (const ConnectionEntry& e : s.entries) {
      if (out.size() == limit) break;
      out.push_back(copy_locked(e, now));
    }
  }
  return out;
}

void ConnectionTable::set_change_log_capacity(size_t per_worker) {
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    s.ring.clear();
    s.ring.shrink_to_fit();
    s.ring.resize(per_worker);
    s.written = 0;
    s.lost_upto = seq_.load();  // a reader from before this call has lost track
  }
}

ConnectionChanges ConnectionTable::changes_since(uint64_t after_seq, size_t limit) const {
  // As in StickyTable: seqs <= hi were assigned under a shard lock taken
  // before this load, so every one of them is visible once we lock its shard.
  const uint64_t hi = seq_.load();
  uint64_t covered = std::max(hi, after_seq);
  bool complete = true;
  std::vector<ConnectionChange> out;
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.ring.empty()) {
      complete = false;
      continue;
    }
    if (s.lost_upto > after_seq) complete = false;
    // Records are in ascending seq: binary search the first one after the cursor.
    size_t lo = 0, end = s.valid();
    while (lo < end) {
      const size_t mid = lo + (end - lo) / 2;
      if (s.record(mid).seq <= after_seq) lo = mid + 1; else end = mid;
    }
    size_t taken = 0;
    for (size_t k = lo; k < s.valid() && s.record(k).seq <= hi; ++k) {
      if (taken == limit) {  // this shard is only covered up to its last copy
        covered = std::min(covered, limit == 0 ? after_seq : out.back().seq);
        break;
      }
      out.push_back(s.record(k));
      ++taken;
    }
  }
  std::erase_if(out, [&](const ConnectionChange& c) { return c.seq > covered; });
  std::sort(out.begin(), out.end(), [](const ConnectionChange& a, const ConnectionChange& b) { return a.seq < b.seq; });
  if (out.size() > limit) {
    out.resize(limit);
    covered = out.back().seq;
  }
  return ConnectionChanges{std::move(out), std::max(covered, after_seq), complete};
}

}  // namespace tandem::tables
