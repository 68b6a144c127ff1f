#include "daemon/replication/admin_decisions.h"

#include <algorithm>

#include "sync/records.h"

namespace tandem::replication {

AdminDecision& AdminDecisions::local_entry(const std::string& pool, const std::string& server, uint64_t now_ms) {
  AdminDecision& d = entries_[{pool, server}];
  if (d.pool.empty()) {
    d.pool = pool;
    d.server = server;
  }
  // A decision is never stamped older than the one it replaces (the peer's
  // clock may be ahead): it is the newer write by construction.
  d.stamp_ms = std::max(now_ms, d.stamp_ms + 1);
  d.origin = node_;
  d.seq = ++seq_;
  return d;
}

const AdminDecision& AdminDecisions::set_state(const std::string& pool, const std::string& server,
                                               runtime::AdminState state, uint64_t now_ms) {
  AdminDecision& d = local_entry(pool, server, now_ms);
  d.state = state;
  return d;
}

const AdminDecision& AdminDecisions::set_weight(const std::string& pool, const std::string& server, int weight,
                                                uint64_t now_ms) {
  AdminDecision& d = local_entry(pool, server, now_ms);
  d.weight = weight;
  return d;
}

bool AdminDecisions::apply_remote(const AdminDecision& decision) {
  auto it = entries_.find({decision.pool, decision.server});
  if (it != entries_.end() &&
      !sync::stamp_newer(decision.stamp_ms, decision.origin, it->second.stamp_ms, it->second.origin))
    return false;
  AdminDecision& d = entries_[{decision.pool, decision.server}];
  d = decision;
  d.seq = 0;  // not a local change: never sent back
  return true;
}

std::vector<AdminDecision> AdminDecisions::changes_since(uint64_t after_seq) const {
  std::vector<AdminDecision> out;
  if (after_seq >= seq_) return out;
  for (const auto& [key, d] : entries_)
    if (d.seq > after_seq) out.push_back(d);
  std::sort(out.begin(), out.end(), [](const AdminDecision& a, const AdminDecision& b) { return a.seq < b.seq; });
  return out;
}

std::vector<AdminDecision> AdminDecisions::all() const {
  std::vector<AdminDecision> out;
  out.reserve(entries_.size());
  for (const auto& [key, d] : entries_) out.push_back(d);
  return out;
}

const AdminDecision* AdminDecisions::find(const std::string& pool, const std::string& server) const {
  auto it = entries_.find({pool, server});
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace tandem::replication
