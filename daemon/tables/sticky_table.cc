#include "daemon/tables/sticky_table.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "daemon/tables/intrusive_list.h"
#include "daemon/tables/key_shards.h"

namespace tandem::tables {

namespace {

base::Millis to_millis(base::Nanos d) { return std::chrono::duration_cast<base::Millis>(d); }

}  // namespace

struct StickyTable::Node {
  const std::string* key = nullptr;  // the map's key, stable while the node lives
  std::string server;
  base::MonoTime expires{};
  base::MonoTime published{};  // when this node last announced the entry
  base::WallTime updated{};
  uint32_t origin = 0;
  uint64_t seq = 0;
  bool remote = false;         // last change came from apply_remote()
  ListLink<Node> lru;          // access order: front = least recently used
  ListLink<Node> log;          // change order: ascending seq
};

struct alignas(64) StickyTable::Shard {
  std::mutex mu;
  // unordered_map never moves its elements, so Node addresses are stable.
  std::unordered_map<std::string, Node, KeyHash, std::equal_to<>> map;
  IntrusiveList<Node, &Node::lru> lru;
  IntrusiveList<Node, &Node::log> log;
  size_t capacity = 1;
};

StickyTable::StickyTable(const base::Clock& clock, StickyOptions options)
    : clock_(clock),
      ttl_(options.ttl),
      republish_interval_(options.ttl / 4),
      max_entries_(std::max<size_t>(options.max_entries, 1)),
      node_id_(options.node_id),
      shard_count_(shard_count_for(max_entries_)),
      shards_(new Shard[shard_count_]) {
  for (size_t i = 0; i < shard_count_; ++i) {
    shards_[i].capacity = shard_capacity(max_entries_, shard_count_, i);
  }
}

StickyTable::~StickyTable() = default;

StickyTable::Shard& StickyTable::shard_for(std::string_view key) const {
  return shards_[shard_of(key, shard_count_)];
}

std::optional<std::string> StickyTable::lookup(std::string_view key) {
  std::string server;
  if (!lookup_into(key, &server)) return std::nullopt;
  return server;
}

bool StickyTable::lookup_into(std::string_view key, std::string* server) {
  Shard& s = shard_for(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) return false;
  Node& n = it->second;
  const base::MonoTime now = clock_.now();
  if (n.expires <= now) {
    remove_locked(s, n);
    return false;
  }
  touch_locked(s, n, now);
  server->assign(n.server);
  return true;
}

void StickyTable::store(std::string_view key, std::string_view server) {
  Shard& s = shard_for(key);
  std::lock_guard<std::mutex> lock(s.mu);
  const base::MonoTime now = clock_.now();
  auto it = s.map.find(key);
  Node* n = nullptr;
  if (it != s.map.end()) {
    n = &it->second;
    if (n->expires > now && n->server == server) {
      touch_locked(s, *n, now);
      return;
    }
  } else {
    n = &insert_locked(s, key);
  }
  n->server.assign(server);
  n->expires = now + ttl_;
  s.lru.move_to_back(n);
  publish_locked(s, *n, now);
}

bool StickyTable::apply_remote(const StickyEntry& entry) {
  if (entry.key.empty() || entry.server.empty() || entry.remaining_ttl <= base::Millis(0)) return false;
  Shard& s = shard_for(entry.key);
  std::lock_guard<std::mutex> lock(s.mu);
  const base::MonoTime now = clock_.now();
  auto it = s.map.find(std::string_view(entry.key));
  Node* n = nullptr;
  if (it != s.map.end()) {
    n = &it->second;
    const bool newer = entry.updated > n->updated || (entry.updated == n->updated && entry.origin > n->origin);
    if (n->expires > now && !newer) return false;  // last writer wins
  } else {
    n = &insert_locked(s, entry.key);
  }
  n->server = entry.server;
  n->updated = entry.updated;
  n->origin = entry.origin;
  n->remote = true;
  n->seq = ++seq_;
  n->published = now;  // the peer has it: no republish before the interval
  n->expires = now + std::min<base::Nanos>(entry.remaining_ttl, ttl_);
  s.lru.move_to_back(n);
  s.log.move_to_back(n);
  return true;
}

void StickyTable::touch_locked(Shard& s, Node& n, base::MonoTime now) {
  n.expires = now + ttl_;
  s.lru.move_to_back(&n);
  if (now - n.published >= republish_interval_) publish_locked(s, n, now);
}

void StickyTable::publish_locked(Shard& s, Node& n, base::MonoTime now) {
  n.updated = clock_.wall_now();
  n.origin = node_id_;
  n.remote = false;
  n.seq = ++seq_;
  n.published = now;
  s.log.move_to_back(&n);
}

StickyTable::Node& StickyTable::insert_locked(Shard& s, std::string_view key) {
  if (s.map.size() >= s.capacity) remove_locked(s, *s.lru.front());
  auto [it, inserted] = s.map.try_emplace(std::string(key));
  Node& n = it->second;
  n.key = &it->first;
  s.lru.push_back(&n);
  s.log.push_back(&n);
  size_.fetch_add(1, std::memory_order_relaxed);
  return n;
}

void StickyTable::remove_locked(Shard& s, Node& n) {
  s.lru.erase(&n);
  s.log.erase(&n);
  s.map.erase(s.map.find(std::string_view(*n.key)));
  size_.fetch_sub(1, std::memory_order_relaxed);
}

StickyEntry StickyTable::copy_locked(const Node& n, base::MonoTime now) const {
  return StickyEntry{*n.key, n.server, to_millis(n.expires - now), n.updated, n.origin, n.seq};
}

size_t StickyTable::erase_server(std::string_view server) {
  size_t removed = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    for (Node* n = s.lru.front(); n != nullptr;) {
      Node* next = s.lru.next(n);
      if (n->server == server) {
        remove_locked(s, *n);
        ++removed;
      }
      n = next;
    }
  }
  return removed;
}

size_t StickyTable::expire(size_t max_remove) {
  size_t removed = 0;
  // Rotate the first shard so a bounded sweep does not always favour shard 0.
  const size_t start = expire_start_.fetch_add(1, std::memory_order_relaxed);
  for (size_t k = 0; k < shard_count_ && removed < max_remove; ++k) {
    Shard& s = shards_[(start + k) % shard_count_];
    std::lock_guard<std::mutex> lock(s.mu);
    const base::MonoTime now = clock_.now();
    while (removed < max_remove && !s.lru.empty() && s.lru.front()->expires <= now) {
      remove_locked(s, *s.lru.front());
      ++removed;
    }
  }
  return removed;
}

std::vector<StickyEntry> StickyTable::snapshot(size_t limit) const {
  std::vector<StickyEntry> out;
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& s = shards_[i];
    std::lock_guard<std::mutex> lock(s.mu);
    const base::MonoTime now = clock_.now();
    size_t taken = 0;
    for (const Node* n = s.log.back(); n != nullptr && taken < limit; n = s.log.prev(n)) {
      if (n->expires <= now) continue;
      out.push_back(copy_locked(*n, now));
      ++taken;
    }
  }
  std::sort(out.begin(), out.end(), [](const StickyEntry& a, const StickyEntry& b) { return a.seq > b.seq; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

StickyChanges StickyTable::changes_since(uint64_t after_seq, size_t limit, ChangeScope scope) const {
  const uint64_t hi = seq_.load();
  const base::MonoTime now = clock_.now();
  return collect_changes<StickyEntry>(
      shards_.get(), shard_count_, hi, after_seq, limit,
      [&](const Node& n) { return n.expires > now && !(scope == ChangeScope::Local && n.remote); },
      [&](const Node& n) { return copy_locked(n, now); });
}

}  // namespace tandem::tables
