#include "daemon/status_commands.h"


#include <charconv>
#include <functional>
#include <string>

#include "base/log.h"
#include "base/ev_watch.h"
#include "daemon/daemon.h"
#include "daemon/http_status.h"
#include "daemon/mib_tree.h"
#include "daemon/protection_status.h"
#include "daemon/sync_status.h"
#include "daemon/tls_status.h"
#include "daemon/status/json.h"
#include "daemon/status/snmp_commands.h"
#include "daemon/status/table.h"
#include "daemon/version.h"
#include "daemon/vrrp_status.h"

namespace tandem {
namespace {

using status::Access;
using status::Request;
using status::Response;
using status::StatusCode;
using status::Table;

constexpr size_t kDefaultConnsLimit = 1000;

int64_t uptime_seconds(const Daemon& d) {
  return std::chrono::duration_cast<std::chrono::seconds>(base::SystemClock::instance().now() - d.started()).count();
}

std::string human_duration(int64_t s) {
  char buf[64];
  if (s >= 86400)
    snprintf(buf, sizeof buf, "%lldd %lldh %lldm", static_cast<long long>(s / 86400),
             static_cast<long long>(s % 86400 / 3600), static_cast<long long>(s % 3600 / 60));
  else if (s >= 3600)
    snprintf(buf, sizeof buf, "%lldh %lldm %llds", static_cast<long long>(s / 3600),
             static_cast<long long>(s % 3600 / 60), static_cast<long long>(s % 60));
  else
    snprintf(buf, sizeof buf, "%lldm %llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

// The key of a `sticky = source` entry is the client's address bytes.
std::string sticky_key_text(const conf::PoolConf& pool, const std::string& key) {
  if (pool.sticky != conf::StickyKind::Source) return key;  // a learned cookie value, even of 4 or 16 bytes
  auto address = base::SocketAddress::from_bytes(key, 0);
  return address ? address->host_string() : key;
}

std::string binds_text(const conf::FrontendConf& fe) {
  std::string out;
  for (const auto& b : fe.binds) {
    if (!out.empty()) out += ",";
    out += b.to_string();
  }
  return out;
}

// `requests` and `resp_5xx` are null (shown "-") for tcp frontends.
Table frontends_table(const Daemon& d) {
  Table t({"frontend", "mode", "bind", "pool", "current", "total", "max", "no_server", "bytes_in", "bytes_out",
           "requests", "resp_5xx"});
  for (const auto& fe : d.snapshot().frontends) {
    runtime::TrafficTotals tt = fe.state->traffic().totals();
    const bool http = fe.conf->mode == conf::Mode::Http;
    t.add_row({fe.conf->name, conf::to_string(fe.conf->mode), binds_text(*fe.conf), fe.conf->pool, tt.active, tt.total,
               fe.conf->max_connections, tt.no_server, tt.bytes_in, tt.bytes_out,
               http ? status::Cell(tt.requests) : status::Cell::null(),
               http ? status::Cell(tt.responses[4]) : status::Cell::null()});
  }
  return t;
}

// The HTTP figures of every http frontend together; false when there is none.
bool http_totals(const Daemon& d, runtime::TrafficTotals* out) {
  bool any = false;
  for (const auto& fe : d.snapshot().frontends) {
    if (fe.conf->mode != conf::Mode::Http) continue;
    any = true;
    *out += fe.state->traffic().totals();
  }
  return any;
}

Table pools_summary_table(const Daemon& d) {
  Table t({"pool", "balance", "sticky", "up", "servers", "backups_in_use", "active", "total"});
  for (const auto& pool : d.snapshot().pools) {
    int64_t up = 0, active = 0;
    uint64_t total = 0;
    for (const auto& s : pool.servers) {
      if (s->up()) ++up;
      runtime::TrafficTotals tt = s->traffic().totals();
      active += tt.active;
      total += tt.total;
    }
    t.add_row({pool.conf->name, conf::to_string(pool.conf->balance), conf::to_string(pool.conf->sticky), up,
               pool.servers.size(), pool.using_backups, active, total});
  }
  return t;
}

Response show_status(const Daemon& d, const Request& r) {
  runtime::TrafficTotals all, http;
  for (const auto& fe : d.snapshot().frontends) all += fe.state->traffic().totals();
  const bool has_http = http_totals(d, &http);
  if (r.json) {
    status::JsonWriter w;
    w.begin_object();
    w.key("node"); w.value(d.config().global.node);
    w.key("version"); w.value(kVersion);
    w.key("uptime_s"); w.value(uptime_seconds(d));
    w.key("workers"); w.value(d.workers());
    w.key("config_file"); w.value(d.config().file);
    w.key("reloads"); w.value(d.reloads());
    w.key("reload_failures"); w.value(d.reload_failures());
    w.key("connections"); w.begin_object();
    w.key("current"); w.value(all.active);
    w.key("total"); w.value(all.total);
    w.end_object();
    if (has_http) {
      w.key("http"); w.begin_object();
      w.key("requests"); w.value(http.requests);
      w.key("resp_5xx"); w.value(http.responses[4]);
      w.end_object();
    }
    // The object stays open: the two tables are spliced in as JSON arrays.
    std::string out = w.take();
    out += ",\"frontends\":" + frontends_table(d).to_json() + ",\"pools\":" + pools_summary_table(d).to_json();
    if (d.vrrp() != nullptr) out += ",\"vrrp\":" + vrrp_summary_table(d).to_json();
    out += "}";
    return Response::ok(out);
  }
  char head[512];
  snprintf(head, sizeof head,
           "node         %s\nversion      %s\nuptime       %s\nworkers      %u\nconfig       %s (reloads %llu, "
           "refused %llu)\nconnections  %lld open, %llu total\n",
           d.config().global.node.c_str(), kVersion, human_duration(uptime_seconds(d)).c_str(), d.workers(),
           d.config().file.c_str(), static_cast<unsigned long long>(d.reloads()),
           static_cast<unsigned long long>(d.reload_failures()), static_cast<long long>(all.active),
           static_cast<unsigned long long>(all.total));
  std::string text = head;
  if (has_http) {
    snprintf(head, sizeof head, "http         %llu requests, %llu 5xx answers\n",
             static_cast<unsigned long long>(http.requests), static_cast<unsigned long long>(http.responses[4]));
    text += head;
  }
  text += frontends_table(d).to_text() + pools_summary_table(d).to_text();
  if (d.vrrp() != nullptr) text += vrrp_summary_table(d).to_text();
  return Response::ok(text);
}

Response show_pools(const Daemon& d, const Request& r) {
  if (r.args.size() > 1) return Response::bad_usage(r);
  Table t({"pool", "server", "address", "health", "admin", "weight", "backup", "active", "total", "bytes_in",
           "bytes_out", "connect_failures", "check", "check_ms", "changes"});
  bool found = r.args.empty();
  for (const auto& pool : d.snapshot().pools) {
    if (!r.args.empty() && pool.conf->name != r.args[0]) continue;
    found = true;
    for (size_t i = 0; i < pool.servers.size(); ++i) {
      const runtime::ServerState& s = *pool.servers[i];
      runtime::TrafficTotals tt = s.traffic().totals();
      const health::HealthTracker* tracker = d.health().tracker(s);
      status::Cell check = status::Cell::null(), check_ms = status::Cell::null(), changes = status::Cell::null();
      if (tracker != nullptr) {
        const health::HealthStats& hs = tracker->stats();
        check = hs.last_result.empty() ? std::string("pending") : hs.last_result;
        check_ms = static_cast<uint64_t>(hs.last_duration.count() / 1000);
        changes = hs.state_changes;
      }
      t.add_row({pool.conf->name, s.name(), s.address().to_string(), s.up() ? "up" : "down",
                 runtime::to_string(s.admin()), s.weight(), pool.conf->servers[i].backup, tt.active, tt.total,
                 tt.bytes_in, tt.bytes_out, tt.connect_failures, check, check_ms, changes});
    }
  }
  if (!found) return Response::error(StatusCode::NotFound, "no pool '" + r.args[0] + "'");
  return Response::ok(t.render(r.json));
}

// Samples the HTTP request counters every kHttpRateTick, for the request
// rates of `show http`. Owned by that command's handler (so by the
// registry); its timer runs on the daemon's loop and must be destroyed
// before it (the registry is a member of the Daemon, which runs on libev's
// default loop and never destroys it).
class HttpRateSampler {
 public:
  HttpRateSampler(struct ev_loop* loop, const Daemon& d)
      : d_(d),
        rates_(kHttpRateWindow),
        timer_(loop, &base::member_callback<HttpRateSampler, &HttpRateSampler::on_tick>, this) {
    // The first tick as soon as the loop runs (the snapshot exists by then).
    timer_.start(0., std::chrono::duration<double>(kHttpRateTick).count());
  }
  const status::RateWindow& rates() const { return rates_; }

 private:
  void on_tick(int) { sample_http_requests(d_.snapshot(), base::SystemClock::instance().now(), rates_); }

  const Daemon& d_;
  status::RateWindow rates_;
  base::TimerWatcher timer_;
};

Response show_http(const Daemon& d, const HttpRateSampler& sampler, const Request& r) {
  if (!r.args.empty()) return Response::bad_usage(r);
  return Response::ok(show_http_body(d.snapshot(), sampler.rates(), base::SystemClock::instance().now(), r.json));
}

// A `show` command without arguments whose answer is one table made from
// the current snapshot.
std::function<Response(const Request&)> snapshot_table(const Daemon& d,
                                                       status::Table (*table)(const runtime::RuntimeSnapshot&)) {
  return [&d, table](const Request& r) {
    if (!r.args.empty()) return Response::bad_usage(r);
    return Response::ok(table(d.snapshot()).render(r.json));
  };
}

Response show_conns(Daemon& d, const Request& r) {
  size_t limit = kDefaultConnsLimit;
  if (r.args.size() > 1) return Response::bad_usage(r);
  if (r.args.size() == 1) {
    const std::string& a = r.args[0];
    auto [p, ec] = std::from_chars(a.data(), a.data() + a.size(), limit);
    if (ec != std::errc() || p != a.data() + a.size() || limit == 0) return Response::bad_usage(r);
  }
  Table t({"id", "client", "frontend", "pool", "server", "age_ms", "bytes_in", "bytes_out"});
  for (const auto& c : d.connections().snapshot(limit)) {
    t.add_row({c.id, c.client.to_string(), c.frontend, c.pool, c.server.empty() ? status::Cell::null() : c.server,
               static_cast<int64_t>(c.age.count()), c.bytes_to_server, c.bytes_to_client});
  }
  return Response::ok(t.render(r.json));
}

Response show_sticky(const Daemon& d, const Request& r) {
  if (r.args.size() > 1) return Response::bad_usage(r);
  Table t({"pool", "key", "server", "expires_in_ms"});
  bool found = r.args.empty();
  for (const auto& pool : d.config().pools) {
    if (!r.args.empty() && pool.name != r.args[0]) continue;
    found = true;
    tables::StickyTable* table = d.sticky_table(pool.name);
    if (table == nullptr) continue;
    for (const auto& e : table->snapshot(SIZE_MAX))
      t.add_row({pool.name, sticky_key_text(pool, e.key), e.server, static_cast<int64_t>(e.remaining_ttl.count())});
  }
  if (!found) return Response::error(StatusCode::NotFound, "no pool '" + r.args[0] + "'");
  return Response::ok(t.render(r.json));
}

// "POOL/SERVER" -> the live state, or a 404 response.
std::shared_ptr<runtime::ServerState> find_server(Daemon& d, const std::string& spec, Response* error) {
  auto slash = spec.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == spec.size()) {
    *error = Response::error(StatusCode::BadRequest, "expected POOL/SERVER, got '" + spec + "'");
    return nullptr;
  }
  auto s = d.registry().server(spec.substr(0, slash), spec.substr(slash + 1));
  if (!s) *error = Response::error(StatusCode::NotFound, "no server '" + spec + "'");
  return s;
}

Response set_admin(Daemon& d, const Request& r, runtime::AdminState to) {
  if (r.args.size() != 1) return Response::bad_usage(r);
  Response error;
  auto s = find_server(d, r.args[0], &error);
  if (!s) return error;
  runtime::AdminState from = s->admin();
  d.set_server_admin(*s, to);
  TLOG_NOTICE("pool %s: server %s: admin %s -> %s (operator uid %d pid %d)", s->pool().c_str(), s->name().c_str(),
              runtime::to_string(from), runtime::to_string(to), static_cast<int>(r.peer.uid),
              static_cast<int>(r.peer.pid));
  return Response::ok(s->pool() + "/" + s->name() + ": " + runtime::to_string(to));
}

Response set_weight(Daemon& d, const Request& r) {
  if (r.args.size() != 2) return Response::bad_usage(r);
  Response error;
  auto s = find_server(d, r.args[0], &error);
  if (!s) return error;
  int weight = -1;
  const std::string& a = r.args[1];
  auto [p, ec] = std::from_chars(a.data(), a.data() + a.size(), weight);
  if (ec != std::errc() || p != a.data() + a.size() || weight < 0 || weight > 1000)
    return Response::error(StatusCode::BadRequest, "weight must be an integer from 0 to 1000, got '" + a + "'");
  int from = s->weight();
  d.set_server_weight(*s, weight);
  TLOG_NOTICE("pool %s: server %s: weight %d -> %d (operator uid %d pid %d)", s->pool().c_str(), s->name().c_str(),
              from, weight, static_cast<int>(r.peer.uid), static_cast<int>(r.peer.pid));
  return Response::ok(s->pool() + "/" + s->name() + ": weight " + std::to_string(weight));
}

Response reload(Daemon& d, const Request& r) {
  if (!r.args.empty()) return Response::bad_usage(r);
  TLOG_NOTICE("reload requested (operator uid %d pid %d)", static_cast<int>(r.peer.uid), static_cast<int>(r.peer.pid));
  std::vector<std::string> problems = d.reload();
  if (problems.empty()) return Response::ok("reloaded " + d.config().file);
  std::string body;
  for (const auto& p : problems) body += p + "\n";
  return Response::error(StatusCode::Failed, "reload refused; the previous configuration keeps running", body);
}

void add(status::CommandRegistry& registry, Access access, const char* words, const char* args, const char* summary,
         status::Handler handler) {
  status::Command command;
  command.words = words;
  command.args = args;
  command.summary = summary;
  command.access = access;
  command.handler = std::move(handler);
  base::Status added = registry.add(std::move(command));
  if (!added) TLOG_ERROR("status command %s: %s", words, added.error().message.c_str());
}

}  // namespace

void register_status_commands(Daemon& d, status::CommandRegistry& registry) {
  using AS = runtime::AdminState;
  add(registry, Access::Read, "show status", "", "the node at a glance: frontends, pools, connections",
      [&d](const Request& r) { return show_status(d, r); });
  add(registry, Access::Read, "show pools", "[POOL]", "every server: health, admin state, weight, traffic",
      [&d](const Request& r) { return show_pools(d, r); });
  auto sampler = std::make_shared<HttpRateSampler>(d.loop(), d);
  add(registry, Access::Read, "show http", "",
      "mode http: requests, answers by class and request rate per frontend and server",
      [&d, sampler](const Request& r) { return show_http(d, *sampler, r); });
  add(registry, Access::Read, "show tls", "", "TLS termination: handshakes, resumed, failed per frontend",
      snapshot_table(d, tls_frontends_table));
  add(registry, Access::Read, "show certs", "", "the certificates each TLS frontend serves, and their expiry",
      snapshot_table(d, tls_certificates_table));
  add(registry, Access::Read, "show limits", "", "per-source limits: sources tracked, connections and requests refused",
      snapshot_table(d, limits_table));
  add(registry, Access::Read, "show logs", "", "access logs: target and lines dropped (queue full or write failed)",
      snapshot_table(d, access_logs_table));
  add(registry, Access::Read, "show conns", "[LIMIT]", "live client connections (default limit 1000)",
      [&d](const Request& r) { return show_conns(d, r); });
  add(registry, Access::Read, "show sticky", "[POOL]", "sticky table entries: client -> server",
      [&d](const Request& r) { return show_sticky(d, r); });
  add(registry, Access::Admin, "server disable", "POOL/SERVER", "no new connections to the server",
      [&d](const Request& r) { return set_admin(d, r, AS::Disabled); });
  add(registry, Access::Admin, "server drain", "POOL/SERVER",
      "no new connections from the balancer; existing and sticky ones continue",
      [&d](const Request& r) { return set_admin(d, r, AS::Drain); });
  add(registry, Access::Admin, "server enable", "POOL/SERVER", "undo disable or drain",
      [&d](const Request& r) { return set_admin(d, r, AS::Enabled); });
  add(registry, Access::Admin, "server weight", "POOL/SERVER N", "set the server's weight (0-1000)",
      [&d](const Request& r) { return set_weight(d, r); });
  add(registry, Access::Admin, "reload", "", "apply the config file again; a broken file is refused",
      [&d](const Request& r) { return reload(d, r); });
  base::Status snmp = status::register_snmp_commands(
      registry,
      [&d](status::MibView& view) {
        fill_tandem_mib(d, view);
        fill_vrrp_mib(d, view);
        fill_sync_mib(d, tandem_oid_base(d), view);
      }, [&d] { return tandem_oid_base(d); });
  if (!snmp) TLOG_ERROR("status commands: %s", snmp.error().message.c_str());
}

}  // namespace tandem
