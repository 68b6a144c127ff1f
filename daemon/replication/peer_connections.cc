#include "daemon/replication/peer_connections.h"

#include <algorithm>

namespace tandem::replication {

sync::ApplyResult PeerConnections::apply(const sync::Record& record) {
  const auto* c = std::get_if<sync::ConnectionRecord>(&record.data);
  if (c == nullptr) return sync::ApplyResult::Refused;
  const auto key = std::make_pair(record.origin, c->id);
  auto it = entries_.find(key);
  if (record.op == sync::Op::Delete) {
    if (it == entries_.end()) return sync::ApplyResult::Stale;
    entries_.erase(it);
    return sync::ApplyResult::Applied;
  }
  if (it != entries_.end() && record.stamp_ms < it->second.entry.stamp_ms) return sync::ApplyResult::Stale;
  Held& held = entries_[key];
  held.entry = PeerConnection{record.origin, *c, record.stamp_ms, clock_.now()};
  held.generation = generation_;
  return sync::ApplyResult::Applied;
}

void PeerConnections::snapshot_begin() {
  ++generation_;
  in_snapshot_ = true;
}

void PeerConnections::snapshot_end() {
  if (!in_snapshot_) return;
  in_snapshot_ = false;
  std::erase_if(entries_, [this](const auto& kv) { return kv.second.generation != generation_; });
}

size_t PeerConnections::expire(base::Millis max_age) {
  const base::MonoTime now = clock_.now();
  return std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.entry.seen > max_age; });
}

std::vector<PeerConnection> PeerConnections::list(size_t limit) const {
  std::vector<PeerConnection> out;
  for (const auto& [key, held] : entries_) out.push_back(held.entry);
  std::sort(out.begin(), out.end(),
            [](const PeerConnection& a, const PeerConnection& b) { return a.conn.started_ms < b.conn.started_ms; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace tandem::replication
