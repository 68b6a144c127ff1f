#include "daemon/frontend_resources.h"

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "daemon/http/access_log.h"
#include "daemon/tables/source_limits.h"
#include "daemon/tls/frontend_tls.h"
#include "daemon/tls/pool_tls.h"
#include "daemon/replication/node_origins.h"
#include "daemon/tls/ticket_keys.h"

namespace tandem {
namespace {

tables::SourceLimitsOptions limits_of(const conf::FrontendConf& fe) {
  tables::SourceLimitsOptions o;
  o.max_connections = static_cast<uint32_t>(fe.limit_connections);
  o.connection_rate = fe.limit_connection_rate;
  o.request_rate = fe.limit_request_rate;
  o.max_entries = fe.limit_table_size;
  return o;
}

bool same(const tables::SourceLimitsOptions& a, const tables::SourceLimitsOptions& b) {
  return a.max_connections == b.max_connections && a.connection_rate == b.connection_rate &&
         a.request_rate == b.request_rate && a.max_entries == b.max_entries;
}

}  // namespace

FrontendResources::FrontendResources()
    : ticket_keys_(std::make_shared<tls::TicketKeys>(base::SystemClock::instance())) {}

FrontendResources::~FrontendResources() { flush_logs(); }

base::Status FrontendResources::reconcile(const conf::Config& config) {
  std::map<std::string, std::shared_ptr<tables::SourceLimits>> limits;
  std::map<std::string, std::shared_ptr<http_proxy::AccessLog>> logs;
  for (const conf::FrontendConf& fe : config.frontends) {
    tables::SourceLimitsOptions o = limits_of(fe);
    o.node_id = replication::NodeOrigins::kLocal;
    if (o.any()) {
      auto old = limits_.find(fe.name);
      if (old != limits_.end() && same(old->second->options(), o)) limits.emplace(fe.name, old->second);
      else limits.emplace(fe.name, std::make_shared<tables::SourceLimits>(base::SystemClock::instance(), o));
    }
    if (!fe.access_log.empty()) {
      auto old = logs_.find(fe.name);
      if (old != logs_.end() && old->second->target() == fe.access_log) {
        logs.emplace(fe.name, old->second);
        continue;
      }
      auto opened = http_proxy::AccessLog::open(fe.access_log);
      if (!opened)
        return base::make_error(fe.where.file + ":" + std::to_string(fe.where.line) + ": [frontend:" + fe.name +
                                "] access_log: " + opened.error().message);
      logs.emplace(fe.name, std::shared_ptr<http_proxy::AccessLog>(std::move(*opened)));
    }
  }
  for (auto& [name, log] : logs_)
    if (logs.find(name) == logs.end() || logs[name] != log) log->flush();
  limits_.swap(limits);
  logs_.swap(logs);
  return {};
}

base::Result<FrontendResources::TlsSet> FrontendResources::build_tls(const conf::Config& config) const {
  TlsSet built;
  for (const conf::FrontendConf& fe : config.frontends) {
    if (!fe.tls()) continue;
    auto tls = tls::FrontendTls::build(fe, ticket_keys_);
    if (!tls) return tls.error();
    built.frontends.emplace(fe.name, std::move(*tls));
  }
  for (const conf::PoolConf& pool : config.pools) {
    if (std::none_of(pool.servers.begin(), pool.servers.end(), [](const conf::ServerConf& s) { return s.tls; }))
      continue;
    auto tls = tls::PoolTls::build(pool);
    if (!tls) return tls.error();
    built.pools.emplace(pool.name, std::move(*tls));
  }
  return built;
}

std::shared_ptr<const tls::FrontendTls> FrontendResources::tls(const std::string& frontend) const {
  auto it = tls_.frontends.find(frontend);
  return it == tls_.frontends.end() ? nullptr : it->second;
}

std::shared_ptr<const tls::PoolTls> FrontendResources::pool_tls(const std::string& pool) const {
  auto it = tls_.pools.find(pool);
  return it == tls_.pools.end() ? nullptr : it->second;
}

std::shared_ptr<tables::SourceLimits> FrontendResources::limits(const std::string& frontend) const {
  auto it = limits_.find(frontend);
  return it == limits_.end() ? nullptr : it->second;
}

std::shared_ptr<http_proxy::AccessLog> FrontendResources::access_log(const std::string& frontend) const {
  auto it = logs_.find(frontend);
  return it == logs_.end() ? nullptr : it->second;
}

void FrontendResources::flush_logs() {
  for (auto& [name, log] : logs_) log->flush();
}

void FrontendResources::reopen_logs() {
  for (auto& [name, log] : logs_) {
    base::Status s = log->reopen();
    if (!s) TLOG_WARN("frontend %s: access log: %s", name.c_str(), s.error().message.c_str());
  }
}

}  // namespace tandem
