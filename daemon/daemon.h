#pragma once
// tandemd's main-thread object: it owns the configuration, the live state,
// the workers, health checks and the status socket, and is the only place
// they meet (DESIGN.md "The pieces"). It runs on libev's default loop, which
// also receives the signals:
//   SIGTERM/SIGINT  stop accepting, drain for up to shutdown_timeout, exit
//   SIGHUP          reload the config file (an invalid file is refused)
//
// Threading: every method runs on the main thread.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ev_watch.h"
#include "base/event_queue.h"
#include "conf/config.h"
#include "daemon/frontend_resources.h"
#include "daemon/handover.h"
#include "daemon/health_manager.h"
#include "daemon/listener_registry.h"
#include "daemon/replication/admin_decisions.h"
#include "daemon/replication/daemon_replica.h"
#include "daemon/replication/node_origins.h"
#include "daemon/proxy/worker.h"
#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/runtime/state_registry.h"
#include "daemon/status/command_registry.h"
#include "daemon/status/status_server.h"
#include "daemon/tables/connection_table.h"
#include "daemon/tables/sticky_table.h"
#include "sync/service.h"
#include "vrrp/service.h"

namespace tandem {

class Daemon {
 public:
  explicit Daemon(std::shared_ptr<const conf::Config> config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Binds every listener and the status socket, starts the workers and the
  // health checks, tells systemd it is ready. An error is a reason the
  // daemon cannot run (already logged by the caller).
  base::Status start();

  // The main loop (status commands put their timers on it).
  struct ev_loop* loop() const { return loop_; }

  // Runs the main loop until a stop signal and the drain are over.
  // Returns the process exit code.
  int run();

  // Re-reads the config file and applies it without dropping connections.
  // Returns the problems that made it refuse the new file (empty on success);
  // the running configuration stays in place when it refuses.
  std::vector<std::string> reload();

  // Begins the graceful stop (as SIGTERM does).
  void shutdown();

  // --- for status commands ---
  const conf::Config& config() const { return *config_; }
  const runtime::RuntimeSnapshot& snapshot() const { return *snapshot_; }
  runtime::StateRegistry& registry() { return registry_; }
  tables::ConnectionTable& connections() { return connections_; }
  const HealthManager& health() const { return health_; }
  tables::StickyTable* sticky_table(const std::string& pool) const;
  base::MonoTime started() const { return started_; }
  unsigned workers() const { return static_cast<unsigned>(workers_.size()); }
  uint64_t reloads() const { return reloads_; }
  uint64_t reload_failures() const { return reload_failures_; }
  // The VRRP instances; nullptr when the config has no [vrrp] section.
  vrrp::Service* vrrp() const { return vrrp_.get(); }

  // The sync channel; nullptr when the config has no [sync] section.
  const sync::Service* sync() const { return sync_.get(); }
  // The peer's live connections, as its sync channel reported them.
  const replication::PeerConnections& peer_connections() const { return peer_connections_; }

  // An operator decision on a server (`tandemctl server …`): applied to its
  // live state, published to the workers, and replicated to the peer.
  void set_server_admin(runtime::ServerState& server, runtime::AdminState state);
  void set_server_weight(runtime::ServerState& server, int weight);

  // A planned hand-over of the VIPs of VRRP instance `name` (empty: every
  // instance) to the peer, without losing connections (daemon/handover.h).
  // `reply` gets VRRP's answer once it resigned (or refused). Precondition:
  // vrrp() != nullptr.
  void failover(const std::string& name, std::function<void(const vrrp::FailoverOutcome&)> reply);

  // Rebuilds the runtime snapshot from the live state and hands it to every
  // worker. Call after any change of server health, admin state or weight.
  void publish();

 private:
  void on_sigterm(int revents);
  void on_sighup(int revents);
  void on_connect_report(proxy::ConnectReport&& report);
  void on_shutdown_tick(int revents);
  void on_housekeeping(int revents);
  void reconcile_sticky_tables(const conf::Config& config);
  void on_log_flush(int revents);
  void register_commands();
  void finish_shutdown();
  base::Status start_vrrp();
  base::Status start_sync();
  void reconfigure_sync(const conf::Config& previous);
  void apply_peer_decision(const replication::AdminDecision& decision);
  std::vector<sync::InstanceRole> vrrp_roles() const;
  void on_vrrp_change(const vrrp::StateChange& change);
  void update_vrrp_penalties();
  bool pool_can_serve(const runtime::PoolRuntime& pool) const;
  bool vrrp_master_of(const std::string& name) const;
  std::vector<uint32_t> vips_of(const std::string& name) const;
  // Indices of the frontends with a bind on one of `vips`.
  std::vector<uint32_t> frontends_on(const std::vector<uint32_t>& vips) const;
  int64_t connections_on(const std::vector<uint32_t>& vips) const;
  Handover::Hooks handover_hooks();
  void continue_shutdown();
  std::chrono::milliseconds stop_release_limit() const;

  struct ev_loop* loop_;
  std::shared_ptr<const conf::Config> config_;
  const unsigned worker_count_;
  base::MonoTime started_;
  runtime::StateRegistry registry_;
  ListenerRegistry listeners_;
  tables::ConnectionTable connections_;
  std::map<std::string, std::shared_ptr<tables::StickyTable>> sticky_;
  FrontendResources frontend_resources_;
  base::EventQueue<proxy::ConnectReport> reports_;
  HealthManager health_;
  status::CommandRegistry commands_;
  std::unique_ptr<status::StatusServer> status_server_;
  std::vector<std::unique_ptr<proxy::Worker>> workers_;
  std::shared_ptr<const runtime::RuntimeSnapshot> snapshot_;
  uint64_t generation_ = 0;
  uint64_t reloads_ = 0;
  uint64_t reload_failures_ = 0;
  bool stopping_ = false;
  base::MonoTime stop_deadline_{};
  int exit_code_ = 0;

  base::SignalWatcher sigterm_;
  base::SignalWatcher sigint_;
  base::SignalWatcher sighup_;
  base::TimerWatcher shutdown_timer_;
  base::TimerWatcher housekeeping_timer_;  // sticky expiry, systemd status
  base::TimerWatcher log_flush_timer_;     // access logs, every 100 ms

  // VRRP runs on its own thread; its reports come back through tasks_,
  // declared first so that it outlives the service that posts to it.
  base::TaskQueue tasks_;
  std::unique_ptr<vrrp::Service> vrrp_;
  std::map<std::string, int> vrrp_penalties_;  // instance -> penalty last set
  Handover handover_;
  std::string handover_name_;    // the instance being handed over ("" = all)
  std::function<void(const vrrp::FailoverOutcome&)> handover_reply_;

  // The sync channel and the state only it needs (docs/sync.md).
  replication::NodeOrigins origins_;
  replication::AdminDecisions admin_decisions_;
  replication::PeerConnections peer_connections_;
  std::unique_ptr<replication::DaemonReplica> replica_;
  std::unique_ptr<sync::Service> sync_;
};

}  // namespace tandem
