#pragma once
// Fakes for the replication channel's tests: a Transport that keeps what is
// sent (and decodes it on request), and a Replica holding one map with
// last-writer-wins whose ChangeFeed is a snapshot, then local changes only.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sync/channel_checks.h"
#include "sync/frame_decoder.h"
#include "sync/replica.h"

namespace tandem::sync {

// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& os, GoodbyeReason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, FrameType t) { return os << to_string(t); }
inline std::ostream& operator<<(std::ostream& os, AdminState s) { return os << to_string(s); }

}  // namespace tandem::sync

namespace tandem::sync::testing {

// Decodes whole frames; fails the test on anything else.
inline std::vector<Frame> decode_all(const std::string& bytes) {
  std::vector<Frame> frames;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    Frame f;
    size_t used = 0;
    WireError e;
    const DecodeStatus s = decode_frame(rest, &f, &used, &e);
    BOOST_TEST_REQUIRE((s == DecodeStatus::Frame), "channel output does not decode: " << e.to_string());
    frames.push_back(std::move(f));
    rest.remove_prefix(used);
  }
  return frames;
}

class FakeTransport final : public Transport {
 public:
  bool send(std::string_view frames) override {
    if (refuse || queued() + frames.size() > limit) return false;
    buffer.append(frames);
    return true;
  }
  size_t queued() const override { return buffer.size() + extra_queued; }
  void reset(GoodbyeReason reason, std::string text) override {
    resets.emplace_back(reason, std::move(text));
    if (on_reset) on_reset();  // as a link that reports the close at once
  }

  // What was sent since the last take, as frames; the queue empties.
  std::vector<Frame> take_frames() {
    std::string bytes;
    bytes.swap(buffer);
    return decode_all(bytes);
  }
  GoodbyeReason last_reset() const {
    BOOST_TEST_REQUIRE(!resets.empty());
    return resets.back().first;
  }

  std::string buffer;
  size_t extra_queued = 0;  // pretend bytes queued beyond buffer
  size_t limit = std::numeric_limits<size_t>::max();
  bool refuse = false;
  std::function<void()> on_reset;
  std::vector<std::pair<GoodbyeReason, std::string>> resets;
};

class FakeReplica;

// A snapshot of the live entries at open, then the local changes logged
// after open, coalesced (a key changed twice is sent once, as it is now).
class FakeFeed final : public ChangeFeed {
 public:
  explicit FakeFeed(FakeReplica& r);
  size_t pull(size_t limit, std::vector<Record>* out) override;
  bool in_snapshot() const override { return in_snapshot_; }

 private:
  FakeReplica& r_;
  std::vector<std::string> keys_;
  size_t key_pos_ = 0;
  size_t log_pos_;
  bool in_snapshot_ = true;
};

class FakeReplica final : public Replica {
 public:
  struct Entry {
    Record record;
    bool from_peer = false;
    uint64_t version = 0;  // of the local write; 0 from the peer
  };

  explicit FakeReplica(std::string node) : node_(std::move(node)) {}

  static std::string key_of(const Record& r) {
    const std::string t = std::to_string(r.table_id()) + "|";
    if (const auto* s = std::get_if<StickySourceRecord>(&r.data)) return t + s->pool + "|" + s->client;
    if (const auto* a = std::get_if<AdminRecord>(&r.data)) return t + a->pool + "|" + a->server;
    if (const auto* c = std::get_if<ConnectionRecord>(&r.data)) return t + r.origin + "|" + std::to_string(c->id);
    return t + "?";
  }

  // A local change: always wins here, and is logged for the feeds.
  void write(Record r) {
    const std::string key = key_of(r);
    ++version_;
    entries_[key] = Entry{std::move(r), false, version_};
    log_.emplace_back(version_, key);
  }
  const Record* get(const Record& like) const {
    auto it = entries_.find(key_of(like));
    return it == entries_.end() ? nullptr : &it->second.record;
  }

  std::string node() const override { return node_; }
  Digest config_digest() const override { return digest_; }
  std::vector<PoolFingerprint> pool_fingerprints() const override { return pools_; }
  std::unique_ptr<ChangeFeed> open_feed() override { return std::make_unique<FakeFeed>(*this); }
  uint64_t local_version() const override { return version_; }
  ApplyResult apply(const Record& r) override {
    const std::string* pool = record_pool(r);
    if (!known_pools_.empty() && pool && !known_pools_.count(*pool)) return ApplyResult::Refused;
    const std::string key = key_of(r);
    auto it = entries_.find(key);
    if (it != entries_.end() &&
        !stamp_newer(r.stamp_ms, r.origin, it->second.record.stamp_ms, it->second.record.origin)) {
      return ApplyResult::Stale;
    }
    entries_[key] = Entry{r, true, 0};
    applied_.push_back(r);
    return ApplyResult::Applied;
  }
  void peer_snapshot_begin() override { ++snapshot_begins_; }
  void peer_snapshot_end() override { ++snapshot_ends_; }
  std::vector<InstanceRole> vrrp_roles() const override { return roles_; }

  std::string node_;
  Digest digest_{};
  std::vector<PoolFingerprint> pools_;
  std::set<std::string> known_pools_;  // empty: every pool is known
  std::vector<InstanceRole> roles_;
  std::map<std::string, Entry> entries_;
  std::vector<std::pair<uint64_t, std::string>> log_;  // (version, key) of local writes
  uint64_t version_ = 0;
  std::vector<Record> applied_;
  int snapshot_begins_ = 0;
  int snapshot_ends_ = 0;
};

inline FakeFeed::FakeFeed(FakeReplica& r) : r_(r), log_pos_(r.log_.size()) {
  for (const auto& [key, e] : r.entries_) keys_.push_back(key);
}

inline size_t FakeFeed::pull(size_t limit, std::vector<Record>* out) {
  size_t n = 0;
  if (in_snapshot_) {
    while (n < limit && key_pos_ < keys_.size()) {
      auto it = r_.entries_.find(keys_[key_pos_++]);
      if (it == r_.entries_.end() || it->second.record.op != Op::Upsert) continue;
      out->push_back(it->second.record);
      ++n;
    }
    if (n == 0) in_snapshot_ = false;
    return n;
  }
  while (n < limit && log_pos_ < r_.log_.size()) {
    const auto& [version, key] = r_.log_[log_pos_++];
    auto it = r_.entries_.find(key);
    // Coalesced (a later write is further on) or replaced by the peer's.
    if (it == r_.entries_.end() || it->second.from_peer || it->second.version != version) continue;
    out->push_back(it->second.record);
    ++n;
  }
  return n;
}

inline Record sticky(std::string origin, uint64_t stamp, std::string pool, uint8_t client, std::string server) {
  Record r;
  r.op = Op::Upsert;
  r.origin = std::move(origin);
  r.stamp_ms = stamp;
  r.data = StickySourceRecord{std::move(pool), std::string("\x0a\x00\x00", 3) + static_cast<char>(client),
                              std::move(server), 60000};
  return r;
}

inline Record admin(std::string origin, uint64_t stamp, std::string pool, std::string server, AdminState state) {
  Record r;
  r.op = Op::Upsert;
  r.origin = std::move(origin);
  r.stamp_ms = stamp;
  r.data = AdminRecord{std::move(pool), std::move(server), state, std::nullopt};
  return r;
}

}  // namespace tandem::sync::testing
