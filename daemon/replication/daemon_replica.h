#pragma once
// The daemon's replicated state as the sync channel sees it (sync::Replica):
// it describes this node (name, fingerprints, VRRP roles), opens a feed of
// what to send (change_feed.h), and applies what the peer sends.
//
// Replicated so far: sticky tables (`sticky = source`, `sticky = learn`),
// operator decisions, the per-source rate-limit buckets (the peer's
// tokens replace ours when newer: an abuser limited on one node stays
// limited on the other) and the TLS session-ticket keys
// (tls/ticket_keys.h: merged, the newest is current on both nodes), and
// the live connections (kept apart, as the peer's: peer_connections.h). Records of the other tables are skipped (they are
// acknowledged, not applied).
//
// Applying (last writer wins, docs/sync.md "Convergence"):
//  - a sticky record goes into its pool's table if the pool has a table of
//    that kind and the server is in the pool; otherwise it is refused;
//  - an admin record is kept if newer, then applied to the server's live
//    state through ReplicaSources::admin_applied; a server unknown here is
//    refused.
//
// Threading: main thread only.

#include <memory>

#include "daemon/replication/replica_sources.h"
#include "sync/replica.h"

namespace tandem::replication {

class DaemonReplica final : public sync::Replica {
 public:
  explicit DaemonReplica(ReplicaSources sources) : sources_(std::move(sources)) {}

  std::string node() const override;
  sync::Digest config_digest() const override;
  std::vector<sync::PoolFingerprint> pool_fingerprints() const override;
  std::unique_ptr<sync::ChangeFeed> open_feed() override;
  uint64_t local_version() const override;
  sync::ApplyResult apply(const sync::Record& record) override;
  void peer_snapshot_begin() override;
  void peer_snapshot_end() override;
  std::vector<sync::InstanceRole> vrrp_roles() const override;

 private:
  template <typename StickyRecord>
  sync::ApplyResult apply_sticky(const sync::Record& record, const StickyRecord& sticky, conf::StickyKind kind,
                                 const std::string& key);
  sync::ApplyResult apply_admin(const sync::Record& record, const sync::AdminRecord& admin);
  sync::ApplyResult apply_rate_limit(const sync::Record& record, const sync::RateLimitRecord& limit);
  sync::ApplyResult apply_ticket_key(const sync::Record& record, const sync::TicketKeyRecord& key);

  ReplicaSources sources_;
};

}  // namespace tandem::replication
