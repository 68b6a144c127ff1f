#include "daemon/tables/source_limits.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "daemon/tables/intrusive_list.h"
#include "daemon/tables/key_shards.h"

namespace tandem::tables {

struct SourceLimits::Node {
  const std::string* key = nullptr;  // the map's key, stable while the node lives
  uint32_t connections = 0;
  double connection_tokens = 0;
  double request_tokens = 0;
  base::MonoTime refilled{};   // the buckets are exact as of this time
  base::MonoTime last_seen{};
  base::WallTime updated{};
  uint32_t origin = 0;
  uint64_t seq = 0;            // 0: not in the change log (it is off, or the node is new)
  bool remote = false;         // last change came from apply_remote()
  ListLink<Node> order;        // in `idle` or `busy` of its shard: front = least recently seen
  ListLink<Node> log;          // change order: ascending seq
};

struct alignas(64) SourceLimits::Shard {
  std::mutex mu;
  // unordered_map never moves its elements, so Node addresses are stable.
  std::unordered_map<std::string, Node, KeyHash, std::equal_to<>> map;
  IntrusiveList<Node, &Node::order> idle;  // connections == 0: evicted first
  IntrusiveList<Node, &Node::order> busy;  // connections > 0
  IntrusiveList<Node, &Node::log> log;
  size_t capacity = 1;

  IntrusiveList<Node, &Node::order>& list_of(const Node& n) { return n.connections > 0 ? busy : idle; }
};

SourceLimits::SourceLimits(const base::Clock& clock, SourceLimitsOptions options)
    : clock_(clock),
      options_([&] {
        options.max_entries = std::max<size_t>(options.max_entries, 1);
        options.connection_rate = std::max(options.connection_rate, 0.0);
        options.request_rate = std::max(options.request_rate, 0.0);
        return options;
      }()),
      connection_capacity_(std::max(1.0, options_.connection_rate)),
      request_capacity_(std::max(1.0, options_.request_rate)),
      shard_count_(shard_count_for(options_.max_entries)),
      shards_(new Shard[shard_count_]) {
  const size_t n = options_.max_entries;
  for (size_t i = 0; i < shard_count_; ++i) {
    shards_[i].capacity = shard_capacity(n, shard_count_, i);
  }
}

SourceLimits::~SourceLimits() = default;

SourceLimits::Shard& SourceLimits::shard_for(std::string_view key) const {
  return shards_[shard_of(key, shard_count_)];
}

bool SourceLimits::admit_connection(std::string_view source) {
  if (options_.max_connections == 0 && options_.connection_rate <= 0) return true;
  Shard& s = shard_for(source);
  bool admitted = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    const base::MonoTime now = clock_.now();
    Node& n = find_or_insert_locked(s, source, now);
    bool room = options_.max_connections == 0 || n.connections < options_.max_connections;
    if (room && options_.connection_rate > 0) {
      refill_locked(n, now);
      if (n.connection_tokens >= 1.0) n.connection_tokens -= 1.0;
      else room = false;
    }
    if (room && options_.max_connections > 0) set_connections_locked(s, n, n.connections + 1);
    admitted = room;
    publish_locked(s, n);
  }
  if (!admitted) refused_connections_.fetch_add(1, std::memory_order_relaxed);
  return admitted;
}

void SourceLimits::connection_closed(std::string_view source) {
  if (options_.max_connections == 0) return;  // nothing was counted
  Shard& s = shard_for(source);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(source);
  if (it == s.map.end()) return;  // evicted while busy: its count is gone
  Node& n = it->second;
  n.last_seen = clock_.now();
  if (n.connections > 0) set_connections_locked(s, n, n.connections - 1);
  else s.idle.move_to_back(&n);
  publish_locked(s, n);
}

bool SourceLimits::admit_request(std::string_view source) {
  if (options_.request_rate <= 0) return true;
  Shard& s = shard_for(source);
  bool admitted = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    const base::MonoTime now = clock_.now();
    Node& n = find_or_insert_locked(s, source, now);
    refill_locked(n, now);
    admitted = n.request_tokens >= 1.0;
    if (admitted) n.request_tokens -= 1.0;
    publish_locked(s, n);
  }
  if (!admitted) refused_requests_.fetch_add(1, std::memory_order_relaxed);
  return admitted;
}

std::optional<SourceEntry> SourceLimits::find(std::string_view source) const {
  Shard& s = shard_for(source);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(source);
  if (it == s.map.end()) return std::nullopt;
  return copy_locked(it->second, clock_.now());
}

SourceEntry SourceLimits::copy_locked(const Node& n, base::MonoTime now) const {
  Node copy = n;
  refill_locked(copy, now);
  return SourceEntry{*copy.key,      copy.connections, copy.connection_tokens, copy.request_tokens, copy.last_seen,
                     copy.updated,   copy.origin,      copy.seq};
}

void SourceLimits::publish_locked(Shard& s, Node& n) {
  if (!logging_.load(std::memory_order_relaxed)) return;  // nobody follows: the request path stays as it was
  n.updated = clock_.wall_now();
  n.origin = options_.node_id;
  n.remote = false;
  log_locked(s, n);
}

void SourceLimits::log_locked(Shard& s, Node& n) {
  if (n.seq != 0) s.log.erase(&n);
  n.seq = ++seq_;
  s.log.push_back(&n);
}

void SourceLimits::follow() {
  if (logging_.exchange(true)) return;
  // The sources seen so far join the log, so a reader's first full pass
  // finds them; from now on every admit and close logs its source.
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    const base::WallTime now = clock_.wall_now();
    for (auto& [key, n] : s.map) {
      if (n.seq != 0) continue;  // logged since the flag was set
      n.updated = now;
      n.origin = options_.node_id;
      log_locked(s, n);
    }
  }
}

ChangeBatch<SourceEntry> SourceLimits::changes_since(uint64_t after_seq, size_t limit, ChangeScope scope) const {
  const uint64_t hi = seq_.load();
  const base::MonoTime now = clock_.now();
  return collect_changes<SourceEntry>(
      shards_.get(), shard_count_, hi, after_seq, limit,
      [&](const Node& n) { return !(scope == ChangeScope::Local && n.remote); },
      [&](const Node& n) { return copy_locked(n, now); });
}

bool SourceLimits::apply_remote(const SourceEntry& entry) {
  if (entry.source.empty()) return false;
  Shard& s = shard_for(entry.source);
  std::lock_guard<std::mutex> lock(s.mu);
  const base::MonoTime now = clock_.now();
  auto it = s.map.find(std::string_view(entry.source));
  if (it != s.map.end()) {
    const Node& held = it->second;
    const bool newer = entry.updated > held.updated || (entry.updated == held.updated && entry.origin > held.origin);
    if (!newer) return false;  // last writer wins
  }
  Node& n = find_or_insert_locked(s, entry.source, now);
  n.connection_tokens = std::clamp(entry.connection_tokens, 0.0, connection_capacity_);
  n.request_tokens = std::clamp(entry.request_tokens, 0.0, request_capacity_);
  n.refilled = now;
  n.updated = entry.updated;
  n.origin = entry.origin;
  n.remote = true;
  log_locked(s, n);
  return true;
}

SourceLimits::Node& SourceLimits::find_or_insert_locked(Shard& s, std::string_view key, base::MonoTime now) {
  auto it = s.map.find(key);
  if (it != s.map.end()) {
    Node& n = it->second;
    n.last_seen = now;
    s.list_of(n).move_to_back(&n);
    return n;
  }
  if (s.map.size() >= s.capacity) {
    if (!s.idle.empty()) {
      remove_locked(s, *s.idle.front());
    } else {
      remove_locked(s, *s.busy.front());
      evicted_busy_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  auto [pos, inserted] = s.map.try_emplace(std::string(key));
  Node& n = pos->second;
  n.key = &pos->first;
  n.connection_tokens = connection_capacity_;
  n.request_tokens = request_capacity_;
  n.refilled = now;
  n.last_seen = now;
  s.idle.push_back(&n);
  size_.fetch_add(1, std::memory_order_relaxed);
  return n;
}

void SourceLimits::refill_locked(Node& n, base::MonoTime now) const {
  if (now <= n.refilled) return;  // the clock is monotonic; equal: nothing to add
  const double elapsed = base::to_seconds(now - n.refilled);
  n.connection_tokens = std::min(connection_capacity_, n.connection_tokens + elapsed * options_.connection_rate);
  n.request_tokens = std::min(request_capacity_, n.request_tokens + elapsed * options_.request_rate);
  n.refilled = now;
}

void SourceLimits::set_connections_locked(Shard& s, Node& n, uint32_t connections) {
  // Moves between the idle and busy orders, always to the most recent end.
  s.list_of(n).erase(&n);
  n.connections = connections;
  s.list_of(n).push_back(&n);
}

void SourceLimits::remove_locked(Shard& s, Node& n) {
  s.list_of(n).erase(&n);
  if (n.seq != 0) s.log.erase(&n);
  s.map.erase(s.map.find(std::string_view(*n.key)));
  size_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace tandem::tables
