#pragma once
// Runs the health checks of every server (on the main loop) and turns their
// results, and the connect failures the workers report, into up/down
// decisions on the shared ServerState. Every change is logged once with its
// reason; the daemon is told so it can publish a new snapshot.
//
// Threading: main thread only.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "conf/config.h"
#include "daemon/health/health_checker.h"
#include "daemon/health/health_tracker.h"
#include "daemon/proxy/worker.h"
#include "daemon/runtime/state_registry.h"

namespace tandem {

// The client TLS of the pools with `tls` servers, by pool name.
using PoolTlsMap = std::map<std::string, std::shared_ptr<const tls::PoolTls>>;

class HealthManager {
 public:
  // `on_change` runs after any server went up or down, and after a server's
  // first check result (which makes its state confirmed).
  HealthManager(struct ev_loop* loop, std::function<void()> on_change);
  ~HealthManager();

  // Matches the checks to `config`: new servers get a checker, removed ones
  // lose theirs, changed check settings restart it. A server that keeps its
  // state (see StateRegistry) keeps its tracker too. Http checks of `tls`
  // servers go through `pool_tls`.
  void reconcile(const conf::Config& config, const runtime::StateRegistry& registry, const PoolTlsMap& pool_tls = {});

  // A connection attempt seen by a worker (passive health).
  void on_connect_report(const proxy::ConnectReport& report);

  // Stops every check (shutdown).
  void stop();

  // What status shows about a server's checks; nullptr when it has none.
  const health::HealthTracker* tracker(const runtime::ServerState& server) const;

 private:
  struct Entry;
  void on_result(Entry& entry, const health::CheckResult& result);
  void apply(Entry& entry, const std::optional<health::Transition>& transition);

  struct ev_loop* loop_;
  std::function<void()> on_change_;
  std::map<const runtime::ServerState*, std::unique_ptr<Entry>> entries_;
};

}  // namespace tandem
