#include "daemon/http_status.h"

namespace tandem {
namespace {

bool is_http(const runtime::FrontendRuntime& fe) { return fe.conf->mode == conf::Mode::Http; }

// The rate as a cell: one decimal, or null while there is none yet.
status::Cell rate_cell(const status::RateWindow& rates, const std::string& key, base::MonoTime now,
                       uint64_t count) {
  std::optional<double> r = rates.rate(key, now, count);
  return r ? status::Cell::decimal(*r, 1) : status::Cell::null();
}

}  // namespace

std::vector<uint32_t> http_pool_indices(const runtime::RuntimeSnapshot& snapshot) {
  std::vector<bool> used(snapshot.pools.size(), false);
  for (const auto& fe : snapshot.frontends) {
    if (!is_http(fe)) continue;
    if (fe.pool < used.size()) used[fe.pool] = true;
    for (const conf::RouteConf& route : fe.conf->routes) {
      for (size_t p = 0; p < snapshot.pools.size(); ++p) {
        if (snapshot.pools[p].conf->name == route.pool) used[p] = true;
      }
    }
  }
  std::vector<uint32_t> out;
  for (uint32_t p = 0; p < used.size(); ++p) {
    if (used[p]) out.push_back(p);
  }
  return out;
}

std::string frontend_rate_key(const std::string& frontend) { return "frontend " + frontend; }

std::string pool_rate_key(const std::string& pool) { return "pool " + pool; }

std::string server_rate_key(const std::string& pool, const std::string& server) {
  return "server " + pool + "/" + server;
}

void sample_http_requests(const runtime::RuntimeSnapshot& snapshot, base::MonoTime now, status::RateWindow& rates) {
  rates.begin_tick();
  for (const auto& fe : snapshot.frontends) {
    if (is_http(fe)) rates.sample(frontend_rate_key(fe.conf->name), now, fe.state->traffic().totals().requests);
  }
  for (uint32_t p : http_pool_indices(snapshot)) {
    uint64_t pool_requests = 0;
    for (const auto& s : snapshot.pools[p].servers) {
      uint64_t requests = s->traffic().totals().requests;
      pool_requests += requests;
      rates.sample(server_rate_key(s->pool(), s->name()), now, requests);
    }
    rates.sample(pool_rate_key(snapshot.pools[p].conf->name), now, pool_requests);
  }
  rates.end_tick();
}

status::Table http_frontends_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                                   base::MonoTime now) {
  status::Table t({"frontend", "requests", "req_per_s", "resp_1xx", "resp_2xx", "resp_3xx", "resp_4xx", "resp_5xx",
                   "own_answers"});
  for (const auto& fe : snapshot.frontends) {
    if (!is_http(fe)) continue;
    runtime::TrafficTotals tt = fe.state->traffic().totals();
    t.add_row({fe.conf->name, tt.requests, rate_cell(rates, frontend_rate_key(fe.conf->name), now, tt.requests),
               tt.responses[0], tt.responses[1], tt.responses[2], tt.responses[3], tt.responses[4],
               tt.own_responses});
  }
  return t;
}

status::Table http_pools_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                               base::MonoTime now) {
  status::Table t({"pool", "requests", "req_per_s", "resp_1xx", "resp_2xx", "resp_3xx", "resp_4xx", "resp_5xx"});
  for (uint32_t p : http_pool_indices(snapshot)) {
    runtime::TrafficTotals sum;
    for (const auto& s : snapshot.pools[p].servers) sum += s->traffic().totals();
    const std::string& name = snapshot.pools[p].conf->name;
    t.add_row({name, sum.requests, rate_cell(rates, pool_rate_key(name), now, sum.requests), sum.responses[0],
               sum.responses[1], sum.responses[2], sum.responses[3], sum.responses[4]});
  }
  return t;
}

status::Table http_servers_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                                 base::MonoTime now) {
  status::Table t({"pool", "server", "requests", "req_per_s", "resp_1xx", "resp_2xx", "resp_3xx", "resp_4xx",
                   "resp_5xx"});
  for (uint32_t p : http_pool_indices(snapshot)) {
    for (const auto& s : snapshot.pools[p].servers) {
      runtime::TrafficTotals tt = s->traffic().totals();
      t.add_row({snapshot.pools[p].conf->name, s->name(), tt.requests,
                 rate_cell(rates, server_rate_key(s->pool(), s->name()), now, tt.requests), tt.responses[0],
                 tt.responses[1], tt.responses[2], tt.responses[3], tt.responses[4]});
    }
  }
  return t;
}

std::string show_http_body(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                           base::MonoTime now, bool json) {
  status::Table frontends = http_frontends_table(snapshot, rates, now);
  status::Table pools = http_pools_table(snapshot, rates, now);
  status::Table servers = http_servers_table(snapshot, rates, now);
  if (json)
    return "{\"frontends\":" + frontends.to_json() + ",\"pools\":" + pools.to_json() + ",\"servers\":" +
           servers.to_json() + "}";
  return frontends.to_text() + "\n" + pools.to_text() + "\n" + servers.to_text();
}

}  // namespace tandem
