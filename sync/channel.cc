// The replication state machine (docs/sync.md, section 11). Receiving is in
// channel_receive.cc; this file holds the connection life cycle and sending.

#include "sync/channel.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "sync/channel_checks.h"
#include "sync/updates_writer.h"

namespace tandem::sync {

const char* to_string(ChannelState s) {
  switch (s) {
    case ChannelState::Down: return "down";
    case ChannelState::Hello: return "hello";
    case ChannelState::Syncing: return "syncing";
    case ChannelState::Synced: return "synced";
  }
  return "unknown";
}

Channel::Channel(Replica& replica, Transport& transport, const base::Clock& clock, ChannelOptions options)
    : replica_(replica), transport_(transport), clock_(clock), options_(std::move(options)) {}

Channel::~Channel() {
  // Each waiter hears exactly once; here the channel is going away, so the
  // callbacks must not call it.
  for (Waiter& w : waiters_) to_fire_.emplace_back(std::move(w.cb), "the sync channel was destroyed");
  waiters_.clear();
  fire_pending();
}

uint64_t Channel::wall_ms() const {
  const auto ms = std::chrono::duration_cast<base::Millis>(clock_.wall_now().time_since_epoch()).count();
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

ChannelState Channel::state() const {
  if (!up_) return ChannelState::Down;
  if (!peer_hello_) return ChannelState::Hello;
  const bool ours_done = snapshot_ended_ && status_.acked_seq >= snapshot_last_seq_;
  return ours_done && peer_snapshot_done_ ? ChannelState::Synced : ChannelState::Syncing;
}

ChannelStatus Channel::status(base::MonoTime now) const {
  ChannelStatus s = status_;
  s.state = state();
  s.lag_records = s.sent_seq - s.acked_seq;
  if (!in_flight_.empty() && now > in_flight_.front().sent) {
    s.lag_age = std::chrono::duration_cast<base::Millis>(now - in_flight_.front().sent);
  }
  return s;
}

void Channel::on_up(base::MonoTime now) {
  ++depth_;
  if (up_) on_down("replaced by a new connection", now);
  up_ = true;
  ++status_.counters.connections;
  status_.up_since = now;
  last_received_ = now;
  our_pools_ = replica_.pool_fingerprints();
  our_digest_ = replica_.config_digest();
  Hello hello{replica_.node(), kVersion, kVersion, wall_ms(), our_digest_, our_pools_};
  std::string out;
  if (base::Status st = encode_hello(hello, &out); !st) {
    fail(GoodbyeReason::Internal, "cannot encode HELLO: " + st.error().message);
  } else {
    send(out, 1);
  }
  settle(now);
  --depth_;
  fire_pending();
}

void Channel::on_down(const std::string& why, base::MonoTime now) {
  ++depth_;
  if (up_) {
    TLOG_NOTICE("sync: link to %s down: %s", peer_name().c_str(), why.c_str());
    status_.last_error = peer_goodbye_.empty() ? why : peer_goodbye_ + " (" + why + ")";
    go_down(why);
  }
  settle(now);
  --depth_;
  fire_pending();
}

void Channel::tick(base::MonoTime now) {
  ++depth_;
  if (up_ && now - last_received_ >= options_.peer_timeout) {
    const auto ms = std::chrono::duration_cast<base::Millis>(now - last_received_).count();
    fail(GoodbyeReason::Timeout, "nothing received from the peer for " + std::to_string(ms) + " ms");
  } else if (up_ && peer_hello_) {
    if (pump(now) && now >= next_heartbeat_) send_heartbeat(now);
  }
  settle(now);
  --depth_;
  fire_pending();
}

void Channel::when_synced(base::MonoTime deadline, SyncedCallback cb, base::MonoTime now) {
  ++depth_;
  if (!up_ || !peer_hello_) {
    to_fire_.emplace_back(std::move(cb), up_ ? "the peer has not said hello yet" : "the sync link is down");
  } else {
    waiters_.push_back(Waiter{deadline, std::move(cb)});
    pump(now);
  }
  settle(now);
  --depth_;
  fire_pending();
}

std::string Channel::peer_name() const {
  return peer_hello_ ? status_.peer_node : std::string("the peer");
}

bool Channel::send(const std::string& bytes, size_t frames) {
  if (!up_) return false;
  if (!transport_.send(bytes)) {
    fail(GoodbyeReason::Overloaded, "send queue full (" + std::to_string(transport_.queued()) + " bytes queued, " +
                                        std::to_string(bytes.size()) + " more refused)");
    return false;
  }
  status_.counters.frames_sent += frames;
  return true;
}

bool Channel::start_snapshot() {
  feed_ = replica_.open_feed();
  if (!feed_) {
    fail(GoodbyeReason::Internal, "the replica gave no change feed");
    return false;
  }
  seen_version_ = replica_.local_version();
  feed_more_ = true;
  // Distinct per connection, also across restarts of this process.
  snapshot_id_ = std::max(last_snapshot_id_ + 1, wall_ms());
  last_snapshot_id_ = snapshot_id_;
  snapshot_records_ = 0;
  snapshot_ended_ = false;
  std::string out;
  encode_snapshot_begin(SnapshotBegin{snapshot_id_}, &out);
  return send(out, 1);
}

bool Channel::pump(base::MonoTime now) {
  if (!up_ || !feed_) return up_;
  if (const uint64_t v = replica_.local_version(); v != seen_version_) {
    seen_version_ = v;
    feed_more_ = true;
  }
  const size_t limit = std::max<size_t>(1, options_.batch_records);
  std::vector<Record> batch;
  for (size_t budget = std::max<size_t>(1, options_.batches_per_tick); feed_more_ || feed_->in_snapshot(); --budget) {
    if (budget == 0) return true;  // the rest in the next tick
    // The only queue is the transport's: stop pulling while it is full; the
    // feed's tables coalesce whatever changes meanwhile.
    if (transport_.queued() > options_.max_in_flight_bytes) return true;
    const bool snapshot = feed_->in_snapshot();
    batch.clear();
    const size_t n = feed_->pull(limit, &batch);
    if (!send_batch(batch, snapshot, now)) return false;
    if (snapshot && !feed_->in_snapshot()) {
      if (!end_snapshot()) return false;
    } else if (snapshot && n == 0) {
      break;  // a feed that has nothing yet but did not end its snapshot: next tick
    }
    if (!snapshot && n < limit) feed_more_ = false;
  }
  return true;
}

bool Channel::end_snapshot() {
  std::string out;
  encode_snapshot_end(SnapshotEnd{snapshot_id_, snapshot_records_}, &out);
  if (!send(out, 1)) return false;
  snapshot_ended_ = true;
  snapshot_last_seq_ = next_seq_ - 1;
  ++status_.counters.snapshots_sent;
  TLOG_INFO("sync: snapshot %llu sent to %s: %llu records", static_cast<unsigned long long>(snapshot_id_),
            peer_name().c_str(), static_cast<unsigned long long>(snapshot_records_));
  return true;
}

bool Channel::send_batch(const std::vector<Record>& batch, bool snapshot, base::MonoTime now) {
  std::string out;
  size_t frames = 0;
  uint64_t count = 0;
  std::optional<UpdatesWriter> writer;
  auto close = [&] {
    if (!writer) return;
    if (writer->count() > 0) ++frames;
    count += writer->count();
    writer->finish();
    next_seq_ = writer->next_seq();
    writer.reset();
  };
  for (const Record& r : batch) {
    const std::string* pool = record_pool(r);
    if (pool && is_mismatched(status_.mismatched_pools, *pool)) {
      ++status_.counters.records_withheld;
      continue;
    }
    if (!writer) writer.emplace(&out, next_seq_, options_.frame_payload);
    AddResult added = writer->add(r);
    if (added == AddResult::Full) {
      close();
      writer.emplace(&out, next_seq_, options_.frame_payload);
      added = writer->add(r);
    }
    if (added != AddResult::Added) {
      ++status_.counters.records_invalid;
      const base::Status why = check_record(r);
      invalid_log_.log(base::LogLevel::Warning, "sync: record of table %s not sent: %s", to_string(Table{r.table_id()}),
                       why ? "it does not fit a frame" : why.error().message.c_str());
    }
  }
  close();
  if (out.empty()) return true;
  status_.counters.records_sent += count;
  if (snapshot) snapshot_records_ += count;
  status_.sent_seq = next_seq_ - 1;
  in_flight_.push_back(InFlight{status_.sent_seq, now});
  return send(out, frames);
}

bool Channel::send_heartbeat(base::MonoTime now) {
  next_heartbeat_ = now + options_.heartbeat_interval;
  std::string out;
  if (base::Status st = encode_heartbeat(Heartbeat{wall_ms(), replica_.vrrp_roles()}, &out); !st) {
    invalid_log_.log(base::LogLevel::Warning, "sync: HEARTBEAT not sent: %s", st.error().message.c_str());
    return true;
  }
  return send(out, 1);
}

void Channel::fail(GoodbyeReason reason, const std::string& text) {
  if (!up_) return;
  TLOG_WARN("sync: closing the link to %s: %s: %s", peer_name().c_str(), to_string(reason), text.c_str());
  ++status_.counters.resets;
  status_.last_error = std::string(to_string(reason)) + ": " + text;
  // Down first: the transport may call on_down from inside reset().
  go_down(status_.last_error);
  transport_.reset(reason, text);
}

void Channel::go_down(const std::string& why) {
  for (Waiter& w : waiters_) to_fire_.emplace_back(std::move(w.cb), "link down: " + why);
  waiters_.clear();
  if (status_.split_brain) {
    TLOG_NOTICE("sync: split brain no longer observable (link down): %s", join_names(status_.split_brain_instances).c_str());
  }
  status_.split_brain = false;
  status_.split_brain_instances.clear();
  up_ = false;
  peer_hello_ = false;
  peer_goodbye_.clear();
  feed_.reset();
  seen_version_ = 0;
  feed_more_ = true;
  next_seq_ = 1;
  snapshot_records_ = 0;
  snapshot_ended_ = false;
  snapshot_last_seq_ = 0;
  in_flight_.clear();
  recv_next_seq_ = 1;
  peer_snapshot_open_ = false;
  peer_snapshot_records_ = 0;
  peer_snapshot_done_ = false;
  status_.version = 0;
  status_.up_since.reset();
  status_.sent_seq = status_.acked_seq = status_.received_seq = 0;
}

void Channel::settle(base::MonoTime now) {
  if (up_ && feed_) {
    const bool drained = !feed_more_ && !feed_->in_snapshot() && replica_.local_version() == seen_version_;
    for (Waiter& w : waiters_) {
      if (w.flushing && drained) {
        w.flushing = false;
        w.target = next_seq_ - 1;
      }
    }
  }
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!it->flushing && status_.acked_seq >= it->target) {
      to_fire_.emplace_back(std::move(it->cb), "");
    } else if (now >= it->deadline) {
      const std::string why = it->flushing ? "deadline: still sending what was pending"
                                           : "deadline: the peer has not acknowledged " +
                                                 std::to_string(it->target - status_.acked_seq) + " records";
      to_fire_.emplace_back(std::move(it->cb), why);
    } else {
      ++it;
      continue;
    }
    it = waiters_.erase(it);
  }
  if (const ChannelState s = state(); s != logged_state_) {
    TLOG_INFO("sync: channel %s -> %s", to_string(logged_state_), to_string(s));
    logged_state_ = s;
  }
}

void Channel::fire_pending() {
  // Only the outermost call: a transport that calls on_down from inside
  // reset() must not run callbacks in the middle of a frame's handling.
  if (depth_ > 0) return;
  while (!to_fire_.empty()) {
    Fired fired;
    fired.swap(to_fire_);
    for (auto& [cb, why] : fired) {
      if (cb) cb(why.empty(), why);
    }
  }
}

}  // namespace tandem::sync
