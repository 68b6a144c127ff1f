// The receiving half of the replication state machine (docs/sync.md,
// section 11): checks each frame from the peer against the protocol, applies
// records, acknowledges them. Violations reset the connection.

#include <algorithm>
#include <utility>

#include "sync/channel.h"
#include "sync/channel_checks.h"

namespace tandem::sync {

void Channel::on_frame(Frame&& frame, base::MonoTime now) {
  ++depth_;
  // Frames of a connection this side already reset: ignore them.
  if (up_) {
    last_received_ = now;
    status_.last_received = now;
    ++status_.counters.frames_received;
    const bool hello = std::holds_alternative<Hello>(frame);
    if (!peer_hello_ && !hello && !std::holds_alternative<Goodbye>(frame)) {
      fail(GoodbyeReason::ProtocolError, std::string(to_string(type_of(frame))) + " before HELLO");
    } else if (const auto* f = std::get_if<Hello>(&frame)) {
      on_hello(*f, now);
    } else if (const auto* sb = std::get_if<SnapshotBegin>(&frame)) {
      on_snapshot_begin(*sb);
    } else if (const auto* se = std::get_if<SnapshotEnd>(&frame)) {
      on_snapshot_end(*se);
    } else if (const auto* u = std::get_if<Updates>(&frame)) {
      on_updates(*u);
    } else if (const auto* a = std::get_if<Ack>(&frame)) {
      on_ack(*a);
    } else if (const auto* h = std::get_if<Heartbeat>(&frame)) {
      on_heartbeat(*h, now);
    } else if (const auto* g = std::get_if<Goodbye>(&frame)) {
      on_goodbye(*g);
    }
  }
  settle(now);
  --depth_;
  fire_pending();
}

bool Channel::on_hello(const Hello& f, base::MonoTime now) {
  const std::string self = replica_.node();
  if (peer_hello_) {
    fail(GoodbyeReason::ProtocolError, "a second HELLO");
    return false;
  }
  if (f.node == self) {
    fail(GoodbyeReason::NotMyPeer, "the peer's HELLO names this node itself ('" + self +
                                       "'): both nodes have the same [global] node name?");
    return false;
  }
  if (!options_.peer_node.empty() && f.node != options_.peer_node) {
    fail(GoodbyeReason::NotMyPeer, "the peer is '" + f.node + "', this node pairs with '" + options_.peer_node + "'");
    return false;
  }
  const uint8_t lo = std::max(kVersion, f.min_version);
  const uint8_t hi = std::min(kVersion, f.max_version);
  if (lo > hi) {
    fail(GoodbyeReason::NoCommonVersion, "the peer speaks protocol versions " + std::to_string(f.min_version) + ".." +
                                             std::to_string(f.max_version) + ", this node " +
                                             std::to_string(kVersion) + ".." + std::to_string(kVersion));
    return false;
  }
  peer_hello_ = true;
  status_.peer_node = f.node;
  status_.version = hi;
  status_.last_hello = now;
  status_.peer_hello_wall_ms = f.wall_ms;
  status_.clock_offset_ms = static_cast<int64_t>(f.wall_ms - wall_ms());
  status_.config_mismatch = f.config_digest != our_digest_;
  status_.mismatched_pools = mismatched_pools(our_pools_, f.pools);
  TLOG_INFO("sync: peer %s says hello (protocol version %u, clock offset %lld ms)", f.node.c_str(), unsigned{hi},
            static_cast<long long>(status_.clock_offset_ms));
  if (status_.config_mismatch) {
    TLOG_WARN("sync: the replicated configuration differs from %s's (config digests differ)", f.node.c_str());
  }
  if (!status_.mismatched_pools.empty()) {
    TLOG_WARN("sync: pools whose configuration differs from %s's are not replicated: %s", f.node.c_str(),
              join_names(status_.mismatched_pools).c_str());
  }
  next_heartbeat_ = now + options_.heartbeat_interval;
  return start_snapshot() && pump(now);
}

bool Channel::on_snapshot_begin(const SnapshotBegin& f) {
  if (peer_snapshot_open_) {
    fail(GoodbyeReason::ProtocolError, "SNAPSHOT_BEGIN " + std::to_string(f.snapshot_id) + " inside snapshot " +
                                           std::to_string(peer_snapshot_id_));
    return false;
  }
  peer_snapshot_open_ = true;
  peer_snapshot_done_ = false;
  peer_snapshot_id_ = f.snapshot_id;
  peer_snapshot_records_ = 0;
  replica_.peer_snapshot_begin();
  return true;
}

bool Channel::on_snapshot_end(const SnapshotEnd& f) {
  if (!peer_snapshot_open_) {
    fail(GoodbyeReason::ProtocolError, "SNAPSHOT_END without SNAPSHOT_BEGIN");
    return false;
  }
  if (f.snapshot_id != peer_snapshot_id_) {
    fail(GoodbyeReason::ProtocolError, "SNAPSHOT_END " + std::to_string(f.snapshot_id) +
                                           " does not match SNAPSHOT_BEGIN " + std::to_string(peer_snapshot_id_));
    return false;
  }
  if (f.records != peer_snapshot_records_) {
    fail(GoodbyeReason::ProtocolError, "SNAPSHOT_END counts " + std::to_string(f.records) + " records, " +
                                           std::to_string(peer_snapshot_records_) + " were received");
    return false;
  }
  peer_snapshot_open_ = false;
  peer_snapshot_done_ = true;
  ++status_.counters.snapshots_received;
  replica_.peer_snapshot_end();
  TLOG_INFO("sync: snapshot %llu received from %s: %llu records", static_cast<unsigned long long>(f.snapshot_id),
            peer_name().c_str(), static_cast<unsigned long long>(f.records));
  return true;
}

bool Channel::on_updates(const Updates& f) {
  if (f.first_seq != recv_next_seq_) {
    fail(GoodbyeReason::ProtocolError, "UPDATES from sequence number " + std::to_string(f.first_seq) + ", expected " +
                                           std::to_string(recv_next_seq_) +
                                           (f.first_seq > recv_next_seq_ ? " (a gap)" : " (an overlap)"));
    return false;
  }
  ChannelCounters& c = status_.counters;
  for (const Record& r : f.records) {
    ++c.records_received;
    switch (apply_one(r)) {
      case ApplyResult::Applied: ++c.records_applied; break;
      case ApplyResult::Stale: ++c.records_stale; break;
      case ApplyResult::Skipped: ++c.records_skipped; break;
      case ApplyResult::Refused: ++c.records_refused; break;
    }
  }
  recv_next_seq_ += f.records.size();
  if (peer_snapshot_open_) peer_snapshot_records_ += f.records.size();
  status_.received_seq = recv_next_seq_ - 1;
  std::string out;
  encode_ack(Ack{status_.received_seq}, &out);
  return send(out, 1);
}

ApplyResult Channel::apply_one(const Record& r) {
  if (std::holds_alternative<UnknownRecord>(r.data)) return ApplyResult::Skipped;
  if (const std::string* pool = record_pool(r); pool && is_mismatched(status_.mismatched_pools, *pool)) {
    return ApplyResult::Refused;
  }
  return replica_.apply(r);
}

bool Channel::on_ack(const Ack& f) {
  if (f.seq < status_.acked_seq) {
    fail(GoodbyeReason::ProtocolError, "ACK " + std::to_string(f.seq) + " goes backwards (" +
                                           std::to_string(status_.acked_seq) + " was acknowledged)");
    return false;
  }
  if (f.seq > status_.sent_seq) {
    fail(GoodbyeReason::ProtocolError, "ACK " + std::to_string(f.seq) + " is beyond the last record sent (" +
                                           std::to_string(status_.sent_seq) + ")");
    return false;
  }
  status_.acked_seq = f.seq;
  while (!in_flight_.empty() && in_flight_.front().last_seq <= f.seq) in_flight_.pop_front();
  return true;
}

void Channel::on_heartbeat(const Heartbeat& f, base::MonoTime now) {
  status_.last_heartbeat = now;
  status_.clock_offset_ms = static_cast<int64_t>(f.wall_ms - wall_ms());
  update_split_brain(both_master(replica_.vrrp_roles(), f.instances));
}

void Channel::update_split_brain(std::vector<std::string> instances) {
  const bool was = status_.split_brain;
  status_.split_brain = !instances.empty();
  status_.split_brain_instances = std::move(instances);
  const std::string names = join_names(status_.split_brain_instances);
  if (!was && status_.split_brain) {
    TLOG_ERROR("sync: SPLIT BRAIN: this node and %s are both master of: %s", peer_name().c_str(), names.c_str());
  } else if (was && !status_.split_brain) {
    TLOG_NOTICE("sync: split brain over: only one of this node and %s is master", peer_name().c_str());
  }
}

void Channel::on_goodbye(const Goodbye& f) {
  const std::string reason = std::string(to_string(f.reason)) + " (" + std::to_string(static_cast<unsigned>(f.reason)) + ")";
  const auto level = f.reason == GoodbyeReason::Shutdown ? base::LogLevel::Notice : base::LogLevel::Warning;
  base::log(level, "sync: %s says goodbye: %s%s%s", peer_name().c_str(), reason.c_str(), f.text.empty() ? "" : ": ",
            f.text.c_str());
  peer_goodbye_ = "peer said goodbye: " + reason + (f.text.empty() ? "" : ": " + f.text);
}

}  // namespace tandem::sync
