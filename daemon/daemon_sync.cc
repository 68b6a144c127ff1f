// The Daemon's side of the sync channel (daemon.h): starting it, feeding it
// operator decisions, applying the peer's, and following reloads.

#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/replication/fingerprints.h"
#include "daemon/replication/service_options.h"

namespace tandem {
namespace {

sync::VrrpRole role_of(vrrp::State s) {
  switch (s) {
    case vrrp::State::Initialize: return sync::VrrpRole::Initialize;
    case vrrp::State::Backup: return sync::VrrpRole::Backup;
    case vrrp::State::Master: return sync::VrrpRole::Master;
    case vrrp::State::Fault: return sync::VrrpRole::Fault;
  }
  return sync::VrrpRole::Initialize;
}

constexpr size_t kConnectionLog = 4096;  // changes kept per worker

uint64_t wall_ms_now() { return replication::to_wall_ms(base::SystemClock::instance().wall_now()); }

// What the sync service is built from; a change needs a new service.
bool same_service(const conf::SyncConf& a, const conf::SyncConf& b) {
  return a.enabled == b.enabled && a.listen.to_string() == b.listen.to_string() &&
         a.peer.to_string() == b.peer.to_string() && a.key == b.key && a.peer_node == b.peer_node &&
         a.heartbeat_interval == b.heartbeat_interval && a.peer_timeout == b.peer_timeout &&
         a.batch_delay == b.batch_delay;
}

}  // namespace

std::vector<sync::InstanceRole> Daemon::vrrp_roles() const {
  std::vector<sync::InstanceRole> roles;
  if (!vrrp_) return roles;
  for (const auto& s : vrrp_->status().instances) roles.push_back({s.name, role_of(s.state)});
  return roles;
}

base::Status Daemon::start_sync() {
  const conf::SyncConf& c = config_->sync;
  if (!c.enabled) return {};
  if (!replica_) {
    replication::ReplicaSources sources;
    sources.clock = &base::SystemClock::instance();
    sources.config = [this]() -> const conf::Config& { return *config_; };
    sources.sticky = &sticky_;
    sources.admin = &admin_decisions_;
    sources.limits = &frontend_resources_.limit_tables();
    sources.connections = &connections_;
    sources.peer_connections = &peer_connections_;
    sources.ticket_keys = frontend_resources_.ticket_keys();
    sources.origins = &origins_;
    sources.admin_applied = [this](const replication::AdminDecision& d) { apply_peer_decision(d); };
    sources.vrrp_roles = [this] { return vrrp_roles(); };
    replica_ = std::make_unique<replication::DaemonReplica>(std::move(sources));
  }
  // Opens, server changes and closes of connections reach the feed through
  // the table's change log; a feed that falls behind it sends the whole set.
  connections_.set_change_log_capacity(kConnectionLog);
  sync_ = std::make_unique<sync::Service>(loop_, base::SystemClock::instance(), *replica_,
                                         replication::service_options(c));
  if (base::Status s = sync_->start(); !s) {
    sync_.reset();
    return base::make_error(config_->file + ":" + std::to_string(c.where.line) + ": [sync]: " + s.error().message);
  }
  TLOG_NOTICE("sync: %s, peer %s (%s)", c.listen.to_string().c_str(), c.peer.to_string().c_str(),
              sync_->link().dialer() ? "this node dials" : "the peer dials");
  return {};
}

void Daemon::reconfigure_sync(const conf::Config& previous) {
  if (!same_service(previous.sync, config_->sync)) {
    if (sync_) sync_->stop();
    sync_.reset();
    if (base::Status s = start_sync(); !s) TLOG_ERROR("reload: %s; the sync channel is off", s.error().message.c_str());
    return;
  }
  // The peer compares fingerprints in HELLO only: a new connection tells it.
  if (sync_ && replication::config_digest(*config_) != replication::config_digest(previous))
    sync_->resync("the pools changed on reload");
}

void Daemon::set_server_admin(runtime::ServerState& server, runtime::AdminState state) {
  server.set_admin(state);
  admin_decisions_.set_state(server.pool(), server.name(), state, wall_ms_now());
  publish();
}

void Daemon::set_server_weight(runtime::ServerState& server, int weight) {
  server.set_weight(weight);
  admin_decisions_.set_weight(server.pool(), server.name(), weight, wall_ms_now());
  publish();
}

void Daemon::apply_peer_decision(const replication::AdminDecision& d) {
  auto server = registry_.server(d.pool, d.server);
  if (!server) return;
  const conf::PoolConf* pool = config_->find_pool(d.pool);
  const conf::ServerConf* conf = pool ? pool->find_server(d.server) : nullptr;
  const int weight = d.weight ? *d.weight : (conf ? conf->weight : server->weight());
  if (server->admin() == d.state && server->weight() == weight) return;
  TLOG_NOTICE("pool %s: server %s: admin %s -> %s, weight %d -> %d (decided on %s)", d.pool.c_str(), d.server.c_str(),
              runtime::to_string(server->admin()), runtime::to_string(d.state), server->weight(), weight,
              d.origin.c_str());
  server->set_admin(d.state);
  server->set_weight(weight);
  publish();
}

}  // namespace tandem
