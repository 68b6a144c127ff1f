#include "daemon/daemon.h"

#include <sched.h>
#include <algorithm>
#include <signal.h>

#include <thread>

#include "base/log.h"
#include "base/sd_notify.h"
#include "daemon/http/router.h"
#include "daemon/runtime/pool_builder.h"
#include "daemon/status_commands.h"
#include "daemon/sync_status.h"
#include "daemon/version.h"
#include "daemon/vrrp_status.h"

namespace tandem {
namespace {

constexpr double kShutdownTick = 0.1;   // s, how often a drain checks for the last connection
constexpr double kHousekeeping = 1.0;   // s
// A planned hand-over waits this long at most for open connections on the
// VIPs to finish, then this long at most for the peer to take the VIPs.
constexpr std::chrono::milliseconds kHandoverDrain{2000};
constexpr std::chrono::milliseconds kHandoverRelease{5000};

unsigned worker_count(const conf::Config& config) {
  if (config.global.workers > 0) return static_cast<unsigned>(config.global.workers);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

}  // namespace

Daemon::Daemon(std::shared_ptr<const conf::Config> config)
    : loop_(ev_default_loop(EVFLAG_AUTO)),
      config_(std::move(config)),
      worker_count_(worker_count(*config_)),
      started_(base::SystemClock::instance().now()),
      registry_(worker_count_),
      listeners_(worker_count_),
      connections_(base::SystemClock::instance(), worker_count_),
      reports_(loop_, [this](proxy::ConnectReport&& r) { on_connect_report(std::move(r)); }),
      health_(loop_, [this] { publish(); }),
      sigterm_(loop_, SIGTERM, &base::member_callback<Daemon, &Daemon::on_sigterm>, this),
      sigint_(loop_, SIGINT, &base::member_callback<Daemon, &Daemon::on_sigterm>, this),
      sighup_(loop_, SIGHUP, &base::member_callback<Daemon, &Daemon::on_sighup>, this),
      shutdown_timer_(loop_, &base::member_callback<Daemon, &Daemon::on_shutdown_tick>, this),
      housekeeping_timer_(loop_, &base::member_callback<Daemon, &Daemon::on_housekeeping>, this),
      log_flush_timer_(loop_, &base::member_callback<Daemon, &Daemon::on_log_flush>, this),
      tasks_(loop_, [](base::Task&& task) { task(); }),
      handover_(loop_, handover_hooks()),
      origins_(config_->global.node),
      admin_decisions_(config_->global.node),
      peer_connections_(base::SystemClock::instance()) {}

Daemon::~Daemon() {
  sync_.reset();
  vrrp_.reset();
  for (auto& w : workers_) w->stop();
  workers_.clear();
}

base::Status Daemon::start() {
  registry_.reconcile(*config_);
  reconcile_sticky_tables(*config_);
  if (base::Status s = frontend_resources_.reconcile(*config_); !s) return s;
  auto tls = frontend_resources_.build_tls(*config_);
  if (!tls) return tls.error();
  frontend_resources_.set_tls(std::move(*tls));
  log_flush_timer_.start(0.1, 0.1);
  auto listeners = listeners_.prepare(*config_);
  if (!listeners) return listeners.error();
  listeners_.commit(std::move(*listeners));

  register_commands();
  status::StatusServerOptions status_options;
  status_options.path = config_->global.status_socket;
  status_options.group = config_->global.status_group;
  status_server_ = std::make_unique<status::StatusServer>(loop_, commands_, status_options);
  base::Status listening = status_server_->start();
  if (!listening) return listening;

  for (unsigned i = 0; i < worker_count_; ++i) {
    workers_.push_back(std::make_unique<proxy::Worker>(
        i, connections_, [this](proxy::ConnectReport&& r) { reports_.post(std::move(r)); }));
    workers_.back()->start();
  }
  health_.reconcile(*config_, registry_, frontend_resources_.pools_tls());
  publish();
  housekeeping_timer_.start(kHousekeeping, kHousekeeping);
  // Before VRRP: the peer's state starts arriving before this node can
  // become master.
  if (base::Status s = start_sync(); !s) return s;
  // Last: the proxy is ready before this node can become master.
  if (base::Status s = start_vrrp(); !s) return s;

  size_t binds = 0;
  for (const auto& fe : config_->frontends) binds += fe.binds.size();
  TLOG_NOTICE("tandemd %s started: node %s, %u workers, %zu frontends (%zu binds), %zu pools, status socket %s",
              kVersion, config_->global.node.c_str(), worker_count_, config_->frontends.size(), binds,
              config_->pools.size(), config_->global.status_socket.c_str());
  base::sd_notify("READY=1\nSTATUS=serving");
  return {};
}

int Daemon::run() {
  ev_run(loop_, 0);
  return exit_code_;
}

void Daemon::publish() {
  auto next = std::make_shared<runtime::RuntimeSnapshot>();
  next->generation = ++generation_;
  next->config = config_;
  for (const conf::PoolConf& pool : config_->pools) {
    const runtime::PoolRuntime* previous = nullptr;
    if (snapshot_) {
      for (const auto& p : snapshot_->pools)
        if (p.conf->name == pool.name) previous = &p;
    }
    auto sticky = sticky_.find(pool.name);
    next->pools.push_back(runtime::build_pool_runtime(
        pool, registry_, sticky == sticky_.end() ? nullptr : sticky->second, previous));
    next->pools.back().tls = frontend_resources_.pool_tls(pool.name);
  }
  std::vector<std::vector<proxy::ListenerAssignment>> listeners(workers_.size());
  for (uint32_t fi = 0; fi < config_->frontends.size(); ++fi) {
    const conf::FrontendConf& fe = config_->frontends[fi];
    runtime::FrontendRuntime f;
    f.conf = &fe;
    f.state = registry_.frontend(fe.name);
    auto pool_index = [&](const std::string& name) {
      uint32_t found = 0;
      for (uint32_t i = 0; i < config_->pools.size(); ++i)
        if (config_->pools[i].name == name) found = i;
      return found;
    };
    f.pool = pool_index(fe.pool);
    f.limits = frontend_resources_.limits(fe.name);
    if (fe.mode == conf::Mode::Http) f.access_log = frontend_resources_.access_log(fe.name);
    f.tls = frontend_resources_.tls(fe.name);
    if (fe.mode == conf::Mode::Http && !fe.routes.empty()) {
      std::vector<uint32_t> route_pools;
      for (const conf::RouteConf& r : fe.routes) route_pools.push_back(pool_index(r.pool));
      f.router = std::make_shared<http_proxy::Router>(fe.routes, std::move(route_pools), f.pool);
    }
    next->frontends.push_back(std::move(f));
    for (const base::SocketAddress& a : fe.binds) {
      auto it = listeners_.current().find(a.to_string());
      if (it == listeners_.current().end()) continue;  // stopping: no listeners
      for (size_t w = 0; w < workers_.size() && w < it->second.size(); ++w)
        listeners[w].push_back(proxy::ListenerAssignment{fi, it->second[w]});
    }
  }
  snapshot_ = std::move(next);
  for (size_t w = 0; w < workers_.size(); ++w) workers_[w]->apply(snapshot_, std::move(listeners[w]));
  update_vrrp_penalties();
}

base::Status Daemon::start_vrrp() {
  if (config_->vrrp.empty()) return {};
  vrrp_ = std::make_unique<vrrp::Service>(config_->vrrp, [this](const vrrp::StateChange& change) {
    tasks_.post([this, change] { on_vrrp_change(change); });  // from the VRRP thread
  });
  base::Status started = vrrp_->start();
  if (!started) {
    vrrp_.reset();
    return started;
  }
  vrrp_penalties_.clear();
  update_vrrp_penalties();
  return {};
}

bool Daemon::vrrp_master_of(const std::string& name) const {
  for (const auto& s : vrrp_->status().instances)
    if ((name.empty() || s.name == name) && s.state == vrrp::State::Master) return true;
  return false;
}

std::vector<uint32_t> Daemon::vips_of(const std::string& name) const {
  std::vector<uint32_t> out;
  for (const conf::VrrpConf& v : config_->vrrp)
    if (name.empty() || v.name == name)
      for (const conf::VipConf& vip : v.vips) out.push_back(vip.address);
  return out;
}

std::vector<uint32_t> Daemon::frontends_on(const std::vector<uint32_t>& vips) const {
  std::vector<uint32_t> found;
  for (uint32_t i = 0; i < snapshot_->frontends.size(); ++i) {
    for (const base::SocketAddress& a : snapshot_->frontends[i].conf->binds) {
      auto address = a.ipv4();
      if (address && std::find(vips.begin(), vips.end(), *address) != vips.end()) {
        found.push_back(i);
        break;
      }
    }
  }
  return found;
}

int64_t Daemon::connections_on(const std::vector<uint32_t>& vips) const {
  int64_t open = 0;
  for (uint32_t i : frontends_on(vips)) open += snapshot_->frontends[i].state->traffic().totals().active;
  return open;
}

Handover::Hooks Daemon::handover_hooks() {
  Handover::Hooks h;
  h.pause_syns = [this](bool pause) {
    listeners_.pause_syns(vips_of(handover_name_), pause);
    // HTTP keep-alive clients: closed between requests, never mid-request.
    if (pause) {
      const std::vector<uint32_t> frontends = frontends_on(vips_of(handover_name_));
      for (auto& w : workers_) w->close_when_idle(frontends);
    }
  };
  h.open_connections = [this] { return connections_on(vips_of(handover_name_)); };
  // A stop resigns for good: its hold lasts until VRRP stops.
  h.sync = [this](std::function<void(std::string)> done) {
    if (!sync_) {
      done({});
      return;
    }
    const base::Millis limit = config_->sync.failover_sync_timeout;
    sync_->when_synced(limit, [done](bool ok, const std::string& why) {
      if (ok) {
        TLOG_NOTICE("hand-over: the peer acknowledged every sync update");
        done("sync: the peer holds every update (lag 0)");
        return;
      }
      TLOG_WARN("hand-over: the peer did not confirm every sync update (%s); handing over anyway", why.c_str());
      done("sync: not confirmed (" + why + "); handed over anyway");
    });
  };
  h.resign = [this] {
    return vrrp_->failover(handover_name_, stopping_ ? vrrp::FailoverMode::Stop : vrrp::FailoverMode::HandOver);
  };
  h.released = [this] {
    for (const auto& s : vrrp_->status().instances)
      if ((handover_name_.empty() || s.name == handover_name_) && s.holds_vips && s.state != vrrp::State::Master)
        return false;
    return true;
  };
  h.resigned = [this](const vrrp::FailoverOutcome& outcome, std::chrono::milliseconds drained) {
    TLOG_NOTICE("hand-over: new connections paused, open ones drained in %lldms, then %s",
                static_cast<long long>(drained.count()), outcome.done ? "resigned" : "nothing to resign");
    if (auto reply = std::exchange(handover_reply_, nullptr)) reply(outcome);
  };
  h.finished = [this] {
    if (stopping_) continue_shutdown();
  };
  return h;
}

void Daemon::failover(const std::string& name, std::function<void(const vrrp::FailoverOutcome&)> reply) {
  if (handover_.running() || stopping_) {
    reply(vrrp::FailoverOutcome{false, {"a hand-over or a stop is already under way"}});
    return;
  }
  if (!vrrp_master_of(name)) {
    reply(vrrp_->failover(name, vrrp::FailoverMode::HandOver));  // says why there is nothing to do
    return;
  }
  handover_name_ = name;
  handover_reply_ = std::move(reply);
  handover_.start(kHandoverDrain, kHandoverRelease);
}

void Daemon::on_vrrp_change(const vrrp::StateChange& change) {
  // The VRRP module logged it; systemd's status line shows the latest.
  std::string line = "STATUS=serving; vrrp " + change.instance + ": " + vrrp::to_string(change.to);
  base::sd_notify(line.c_str());
}

// A pool can serve when a server is up, not disabled, and, if checked,
// confirmed by a first check: a node that just started (all servers
// presumed up) must not look healthy before its checks have said so, or
// it would preempt the VIP into 503s (DESIGN.md, "Lessons").
bool Daemon::pool_can_serve(const runtime::PoolRuntime& pool) const {
  for (const auto& s : pool.servers) {
    if (!s->up() || s->admin() == runtime::AdminState::Disabled) continue;
    const health::HealthTracker* tracker = health_.tracker(*s);
    if (tracker == nullptr || tracker->checked()) return true;
  }
  return false;
}

void Daemon::update_vrrp_penalties() {
  if (!vrrp_ || !snapshot_) return;
  for (const conf::VrrpConf& v : config_->vrrp) {
    int failing = 0;
    for (const std::string& name : v.track_pools)
      for (const auto& pool : snapshot_->pools)
        if (pool.conf->name == name && !pool_can_serve(pool)) ++failing;
    const int penalty = std::min(failing * v.track_penalty, 254);
    auto [it, fresh] = vrrp_penalties_.try_emplace(v.name, -1);
    if (it->second == penalty) continue;
    if (!fresh || penalty != 0)
      TLOG_NOTICE("vrrp %s: priority penalty %d (%d tracked pool%s without a server up)", v.name.c_str(), penalty,
                  failing, failing == 1 ? "" : "s");
    it->second = penalty;
    vrrp_->set_penalty(v.name, penalty);
  }
}

std::vector<std::string> Daemon::reload() {
  base::sd_notify_reloading();
  std::vector<std::string> problems;
  conf::LoadResult loaded = conf::load_config_file(config_->file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) problems.push_back(e.to_string());
  } else if (loaded.config->global.status_socket != config_->global.status_socket) {
    problems.push_back(config_->file + ": [global] status_socket: cannot change on reload (restart needed)");
  }
  FrontendResources::TlsSet tls;
  if (problems.empty()) {
    auto built = frontend_resources_.build_tls(*loaded.config);  // reads the certificate files anew
    if (!built) problems.push_back(built.error().message);
    else tls = std::move(*built);
  }
  ListenerMap listeners;
  if (problems.empty()) {
    auto prepared = listeners_.prepare(*loaded.config);
    if (!prepared)
      problems.push_back(prepared.error().message);
    else
      listeners = std::move(*prepared);
  }
  if (problems.empty()) {
    // Opens new access logs; nothing changes if one cannot be opened.
    if (base::Status s = frontend_resources_.reconcile(*loaded.config); !s) problems.push_back(s.error().message);
  }
  if (problems.empty() && loaded.config->vrrp.empty() != config_->vrrp.empty()) {
    problems.push_back(config_->file + ": [vrrp]: adding or removing VRRP needs a restart");
  } else if (problems.empty() && vrrp_) {
    // Last check, and applied at once when it passes: nothing after it can fail.
    if (base::Status s = vrrp_->reconfigure(loaded.config->vrrp); !s) problems.push_back(config_->file + ": " + s.error().message);
  }
  if (!problems.empty() && loaded.config) (void)frontend_resources_.reconcile(*config_);  // back to the running set
  if (!problems.empty()) {
    ++reload_failures_;
    for (const auto& p : problems) TLOG_ERROR("reload refused: %s", p.c_str());
    TLOG_ERROR("reload refused: keeping the running configuration");
    base::sd_notify("READY=1\nSTATUS=reload refused, running the previous configuration");
    return problems;
  }
  if (static_cast<unsigned>(loaded.config->global.workers) != static_cast<unsigned>(config_->global.workers))
    TLOG_WARN("reload: [global] workers changed; it takes effect at the next restart");
  auto next = std::make_shared<const conf::Config>(std::move(*loaded.config));
  base::set_log_level(next->global.log_level);
  const std::shared_ptr<const conf::Config> previous = config_;
  config_ = next;
  listeners_.commit(std::move(listeners));
  registry_.reconcile(*config_);
  reconcile_sticky_tables(*config_);
  frontend_resources_.set_tls(std::move(tls));
  frontend_resources_.reopen_logs();  // rotation: `mv` the file, then reload
  health_.reconcile(*config_, registry_, frontend_resources_.pools_tls());
  publish();
  reconfigure_sync(*previous);
  ++reloads_;
  TLOG_NOTICE("reloaded %s: %zu frontends, %zu pools", config_->file.c_str(), config_->frontends.size(),
              config_->pools.size());
  base::sd_notify("READY=1\nSTATUS=serving (reloaded)");
  return problems;
}

// Sticky tables outlive reloads by pool name; a table whose size or ttl
// changed is rebuilt (its entries are lost, which the log says).
void Daemon::reconcile_sticky_tables(const conf::Config& config) {
  std::map<std::string, std::shared_ptr<tables::StickyTable>> next;
  for (const conf::PoolConf& pool : config.pools) {
    // source and learn keep a table; cookie keeps its state in the client's cookie.
    if (pool.sticky != conf::StickyKind::Source && pool.sticky != conf::StickyKind::Learn) continue;
    auto old = sticky_.find(pool.name);
    if (old != sticky_.end() && old->second->ttl() == pool.sticky_ttl &&
        old->second->max_entries() == pool.sticky_size) {
      auto table = old->second;
      for (const auto& e : table->snapshot(SIZE_MAX))
        if (pool.find_server(e.server) == nullptr) table->erase_server(e.server);
      next.emplace(pool.name, std::move(table));
      continue;
    }
    if (old != sticky_.end())
      TLOG_WARN("pool %s: sticky_ttl or sticky_size changed; its sticky table starts empty", pool.name.c_str());
    tables::StickyOptions options;
    options.ttl = pool.sticky_ttl;
    options.max_entries = pool.sticky_size;
    options.node_id = replication::NodeOrigins::kLocal;
    next.emplace(pool.name, std::make_shared<tables::StickyTable>(base::SystemClock::instance(), options));
  }
  sticky_.swap(next);
}

tables::StickyTable* Daemon::sticky_table(const std::string& pool) const {
  auto it = sticky_.find(pool);
  return it == sticky_.end() ? nullptr : it->second.get();
}

void Daemon::on_connect_report(proxy::ConnectReport&& report) { health_.on_connect_report(report); }

void Daemon::on_sighup(int) {
  TLOG_NOTICE("SIGHUP: reloading %s", config_->file.c_str());
  reload();
}

void Daemon::on_sigterm(int) { shutdown(); }

void Daemon::shutdown() {
  if (stopping_) {
    TLOG_NOTICE("second stop signal: closing every connection now");
    finish_shutdown();
    return;
  }
  stopping_ = true;
  base::sd_notify("STOPPING=1");
  if (handover_.running()) return;  // a failover is under way: the stop follows it
  if (vrrp_ && vrrp_master_of("")) {
    // Hand over first (no new connection is cut by the move), stop second.
    TLOG_NOTICE("stopping: handing the VIPs over to the peer");
    handover_name_.clear();
    handover_.start(kHandoverDrain, stop_release_limit());
    return;
  }
  continue_shutdown();
}

// A stopping master waits for the peer a little less than its own
// Master_Down_Interval (3 intervals + skew): with no peer at all, it stops
// before its own timer would make it take the VIPs back.
std::chrono::milliseconds Daemon::stop_release_limit() const {
  std::chrono::milliseconds longest{0};
  for (const conf::VrrpConf& v : config_->vrrp) longest = std::max(longest, v.advert_interval);
  return 3 * longest;
}

void Daemon::continue_shutdown() {
  // After the hand-over (if any): VRRP stops, so it can neither take the
  // VIPs back nor keep them while the connections drain.
  if (vrrp_) vrrp_->stop();
  TLOG_NOTICE("stopping: no new connections; %zu open connections may drain for %lldms", connections_.size(),
              static_cast<long long>(config_->global.shutdown_timeout.count()));
  listeners_.clear();
  publish();  // workers drop their listeners: new connects are refused
  health_.stop();
  stop_deadline_ = base::SystemClock::instance().now() + config_->global.shutdown_timeout;
  shutdown_timer_.start(0., kShutdownTick);
}

void Daemon::on_shutdown_tick(int) {
  size_t open = 0;
  for (const auto& w : workers_) open += w->session_count();
  if (open == 0) {
    TLOG_NOTICE("every connection has finished");
    finish_shutdown();
  } else if (base::SystemClock::instance().now() >= stop_deadline_) {
    TLOG_WARN("shutdown_timeout reached: closing %zu connections", open);
    finish_shutdown();
  }
}

void Daemon::finish_shutdown() {
  if (sync_) sync_->stop();
  shutdown_timer_.stop();
  housekeeping_timer_.stop();
  if (vrrp_) vrrp_->stop();
  for (auto& w : workers_) w->stop();
  log_flush_timer_.stop();
  frontend_resources_.flush_logs();
  status_server_.reset();
  TLOG_NOTICE("stopped");
  ev_break(loop_, EVBREAK_ALL);
}

void Daemon::on_housekeeping(int) {
  for (auto& [name, table] : sticky_) table->expire(4096);
  peer_connections_.expire(replication::kPeerConnectionMaxAge);
}

void Daemon::on_log_flush(int) { frontend_resources_.flush_logs(); }

void Daemon::register_commands() {
  register_status_commands(*this, commands_);
  register_vrrp_commands(*this, commands_);
  register_sync_commands(*this, commands_);
}

}  // namespace tandem
