#include "daemon/health_manager.h"

#include "base/log.h"

namespace tandem {

struct HealthManager::Entry {
  std::shared_ptr<runtime::ServerState> server;
  health::HealthTracker tracker;
  std::unique_ptr<health::HealthChecker> checker;  // null with `health = none`
  bool seen = false;                               // reconcile's mark
};

namespace {

health::CheckParams check_params(const conf::PoolConf& pool, const conf::ServerConf& conf,
                                 const runtime::ServerState& server, const PoolTlsMap& pool_tls) {
  health::CheckParams p;
  p.kind = pool.health == conf::HealthKind::Http ? health::CheckKind::Http : health::CheckKind::Tcp;
  p.target = server.address();
  p.interval = pool.health_interval;
  p.timeout = pool.health_timeout;
  p.http_path = pool.health_path;
  p.expect_status = pool.health_expect;
  p.host = pool.health_host;
  if (conf.tls) {
    auto it = pool_tls.find(pool.name);
    if (it != pool_tls.end()) p.tls = it->second;
    p.server_name = conf.name;
  }
  return p;
}

}  // namespace

HealthManager::HealthManager(struct ev_loop* loop, std::function<void()> on_change)
    : loop_(loop), on_change_(std::move(on_change)) {}

HealthManager::~HealthManager() = default;

void HealthManager::reconcile(const conf::Config& config, const runtime::StateRegistry& registry,
                              const PoolTlsMap& pool_tls) {
  for (auto& [key, entry] : entries_) entry->seen = false;
  for (const conf::PoolConf& pool : config.pools) {
    for (const conf::ServerConf& s : pool.servers) {
      std::shared_ptr<runtime::ServerState> state = registry.server(pool.name, s.name);
      auto it = entries_.find(state.get());
      if (it == entries_.end()) {
        auto entry = std::make_unique<Entry>(Entry{state, health::HealthTracker(pool.health_rise, pool.health_fall),
                                                   nullptr, false});
        it = entries_.emplace(state.get(), std::move(entry)).first;
      }
      Entry& entry = *it->second;
      entry.seen = true;
      entry.tracker.set_thresholds(pool.health_rise, pool.health_fall);
      if (pool.health == conf::HealthKind::None) {
        // No checks: the server counts as up whatever happened before.
        entry.checker.reset();
        if (!state->up()) {
          state->set_up(true);
          TLOG_NOTICE("pool %s: server %s is up: health checks turned off", pool.name.c_str(), s.name.c_str());
        }
        continue;
      }
      health::CheckParams params = check_params(pool, s, *state, pool_tls);
      if (entry.checker) {
        entry.checker->set_params(std::move(params));
      } else {
        Entry* e = &entry;
        entry.checker = std::make_unique<health::HealthChecker>(
            loop_, std::move(params), [this, e](const health::CheckResult& r) { on_result(*e, r); });
        entry.checker->start();
      }
    }
  }
  std::erase_if(entries_, [](const auto& kv) { return !kv.second->seen; });
}

void HealthManager::on_result(Entry& entry, const health::CheckResult& result) {
  const bool first = !entry.tracker.checked();
  auto transition = entry.tracker.on_result(result);
  if (transition) {
    apply(entry, transition);
  } else if (first) {
    // A first check that confirms the presumed state changes no server,
    // but a server now counts as confirmed (VRRP tracking reads that).
    on_change_();
  }
}

void HealthManager::on_connect_report(const proxy::ConnectReport& report) {
  auto it = entries_.find(report.server.get());
  if (it == entries_.end() || !it->second->checker) return;  // removed by a reload, or not checked
  Entry& entry = *it->second;
  if (report.ok) {
    entry.tracker.on_passive_success();
    return;
  }
  apply(entry, entry.tracker.on_passive_failure(report.reason));
}

void HealthManager::apply(Entry& entry, const std::optional<health::Transition>& transition) {
  if (!transition) return;
  const runtime::ServerState& s = *entry.server;
  base::LogLevel level = transition->to == health::HealthState::Up ? base::LogLevel::Notice : base::LogLevel::Warning;
  base::log(level, "pool %s: server %s (%s) is %s", s.pool().c_str(), s.name().c_str(),
            s.address().to_string().c_str(), transition->reason.c_str());
  entry.server->set_up(transition->to == health::HealthState::Up);
  on_change_();
}

void HealthManager::stop() {
  for (auto& [key, entry] : entries_) {
    if (entry->checker) entry->checker->stop();
  }
}

const health::HealthTracker* HealthManager::tracker(const runtime::ServerState& server) const {
  auto it = entries_.find(&server);
  if (it == entries_.end() || !it->second->checker) return nullptr;
  return &it->second->tracker;
}

}  // namespace tandem
