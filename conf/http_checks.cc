#include "conf/http_checks.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "conf/suggest.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

// The frontend keys that configure HTTP (docs/config.md, "HTTP frontends").
// limit_connections, limit_connection_rate and limit_table_size serve both modes.
constexpr std::string_view kHttpOnlyKeys[] = {
    "route", "max_head_size", "max_header_line", "max_headers", "timeout_request", "timeout_keepalive",
    "min_body_rate", "max_body_size", "forwarded", "request_id_header", "access_log",
    "tls_cert", "tls_min_version", "tls_ciphers", "tls_ciphersuites", "tls_session_cache", "tls_tickets",
    "limit_request_rate",
};

// Seen, and its value was valid (or never seen: the default holds).
bool known(const SectionRecord& r, std::string_view key) {
  return r.first_line(key) == 0 || r.applied.contains(key);
}

bool is_tcp(const Parsed<FrontendConf>& f) { return f.conf.mode == Mode::Tcp && known(f.record, "mode"); }

std::string tcp_reason(const SectionRecord& r) {
  return r.first_line("mode") != 0 ? "this frontend is mode = tcp"
                                   : "this frontend is mode = tcp, the default: add 'mode = http'";
}

void check_http_only_keys(const Parsed<FrontendConf>& f, ErrorList& errors) {
  const SectionRecord& r = f.record;
  for (std::string_view key : kHttpOnlyKeys)
    if (int line = r.first_line(key); line != 0)
      errors.add(line, r.label, key, "only for mode = http (" + tcp_reason(r) + ")");
}

void check_head_limits(const Parsed<FrontendConf>& f, ErrorList& errors) {
  const SectionRecord& r = f.record;
  if (!r.applied.contains("max_header_line") || !known(r, "max_head_size")) return;
  if (f.conf.max_header_line <= f.conf.max_head_size) return;
  errors.add(r.first_line("max_header_line"), r.label, "max_header_line",
             format_size(f.conf.max_header_line) + " is larger than max_head_size (" +
                 format_size(f.conf.max_head_size) + (r.first_line("max_head_size") == 0 ? ", the default" : "") +
                 "): a line is part of the head");
}

void check_routes(const Parsed<FrontendConf>& f, const std::vector<std::string_view>& pool_names, ErrorList& errors) {
  for (const RouteConf& route : f.conf.routes)
    if (std::find(pool_names.begin(), pool_names.end(), route.pool) == pool_names.end())
      errors.add(route.where.line, f.record.label, "route",
                 "no section [pool:" + route.pool + "]" + did_you_mean(route.pool, pool_names));
}

// A tcp frontend's pool may not use what only HTTP has: cookies, hashing a
// request part, TLS to the servers.
void check_tcp_pool(const Parsed<FrontendConf>& f, const Parsed<PoolConf>& pool, ErrorList& errors) {
  const PoolConf& p = pool.conf;
  const int line = f.record.first_line("pool");
  auto report = [&](const std::string& what, int where) {
    errors.add(line, f.record.label, "pool",
               "pool '" + p.name + "' has " + what + " (line " + std::to_string(where) +
                   "), which needs mode = http (" + tcp_reason(f.record) + ")");
  };
  if (p.sticky == StickyKind::Cookie || p.sticky == StickyKind::Learn)
    report("'sticky = " + std::string(to_string(p.sticky)) + "'", pool.record.first_line("sticky"));
  if (p.balance == Balance::Hash && !p.hash_key.empty())
    report("'balance = hash' with 'hash_key = " + p.hash_key + "'", pool.record.first_line("hash_key"));
  auto tls = std::find_if(p.servers.begin(), p.servers.end(), [](const ServerConf& s) { return s.tls; });
  if (tls != p.servers.end()) report("server '" + tls->name + "' with 'tls'", tls->where.line);
}

}  // namespace

void check_http(const std::vector<const Parsed<FrontendConf>*>& frontends,
                const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors) {
  std::vector<std::string_view> pool_names;
  for (const auto* p : pools) pool_names.push_back(p->conf.name);
  for (const auto* f : frontends) {
    // A tcp frontend's routes are refused already; where they lead is moot.
    if (!is_tcp(*f)) {
      check_head_limits(*f, errors);
      if (check_references) check_routes(*f, pool_names, errors);
      continue;
    }
    check_http_only_keys(*f, errors);
    if (!check_references) continue;
    for (const auto* p : pools)
      if (p->conf.name == f->conf.pool) check_tcp_pool(*f, *p, errors);
  }
}

void finish_http_frontend(Parsed<FrontendConf>& frontend) {
  FrontendConf& f = frontend.conf;
  if (!frontend.record.applied.contains("max_header_line")) f.max_header_line = std::min(f.max_header_line, f.max_head_size);
}

}  // namespace tandem::conf
