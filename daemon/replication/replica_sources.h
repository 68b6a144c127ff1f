#pragma once
// The daemon's state that the sync channel replicates, gathered for the
// feed and the replica (daemon/replication/daemon_replica.h). The daemon
// owns all of it; these are borrowed pointers and callbacks into it.
//
// Threading: main thread only.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "conf/config.h"
#include "daemon/replication/admin_decisions.h"
#include "daemon/replication/node_origins.h"
#include "daemon/replication/peer_connections.h"
#include "daemon/tables/connection_table.h"
#include "daemon/tables/source_limits.h"
#include "daemon/tables/sticky_table.h"
#include "daemon/tls/ticket_keys.h"
#include "sync/frames.h"

namespace tandem::replication {

using StickyTables = std::map<std::string, std::shared_ptr<tables::StickyTable>>;
using LimitTables = std::map<std::string, std::shared_ptr<tables::SourceLimits>>;

struct ReplicaSources {
  const base::Clock* clock = nullptr;
  // The running configuration (it changes on reload).
  std::function<const conf::Config&()> config;
  // The sticky tables by pool (the daemon swaps the map's content on reload).
  const StickyTables* sticky = nullptr;
  // The per-source protection tables by frontend (nullptr: none).
  const LimitTables* limits = nullptr;
  AdminDecisions* admin = nullptr;
  // This node's live connections (their change log enabled), and the
  // peer's as received (nullptr: connections are not replicated).
  tables::ConnectionTable* connections = nullptr;
  PeerConnections* peer_connections = nullptr;
  // The TLS session-ticket keys every frontend shares.
  std::shared_ptr<tls::TicketKeys> ticket_keys;
  NodeOrigins* origins = nullptr;
  // A decision from the peer won: apply it to the server's live state.
  std::function<void(const AdminDecision&)> admin_applied;
  // This node's VRRP roles, for HEARTBEAT.
  std::function<std::vector<sync::InstanceRole>()> vrrp_roles;
};

// Every live connection is sent again this often (with its byte counts); a
// peer forgets one it has not heard of for kPeerConnectionMaxAge.
inline constexpr base::Millis kConnectionRefresh{10000};
inline constexpr base::Millis kPeerConnectionMaxAge{3 * kConnectionRefresh};

// Milliseconds since the Unix epoch, and back.
uint64_t to_wall_ms(base::WallTime t);
base::WallTime from_wall_ms(uint64_t ms);

}  // namespace tandem::replication
