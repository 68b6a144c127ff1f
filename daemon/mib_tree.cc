#include "daemon/mib_tree.h"

#include "daemon/daemon.h"
#include "daemon/http_status.h"
#include "daemon/version.h"

namespace tandem {
namespace {

using status::MibValue;
using status::MibView;
using status::Oid;

// SNMPv2-TC TruthValue.
MibValue truth(bool b) { return MibValue::integer(b ? 1 : 2); }

// Adds the row `index` of table `table` (B.table.1.column.index...).
class TableWriter {
 public:
  TableWriter(MibView& view, const Oid& base, uint32_t table) : view_(view), entry_(base.child({table, 1})) {}
  void cell(uint32_t column, std::initializer_list<uint32_t> index, MibValue value) {
    Oid oid = entry_.child({column});
    for (uint32_t i : index) oid.append(i);
    view_.add(std::move(oid), std::move(value));
  }

 private:
  MibView& view_;
  Oid entry_;
};

void add_global(const Daemon& d, const Oid& base, MibView& view) {
  auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(base::SystemClock::instance().now() - d.started());
  view.add(base.child({1, 1, 0}), MibValue::string(kVersion));
  view.add(base.child({1, 2, 0}), MibValue::string(d.config().global.node));
  view.add(base.child({1, 3, 0}), MibValue::timeticks(static_cast<uint64_t>(uptime.count() / 10)));
  view.add(base.child({1, 4, 0}), MibValue::integer(d.workers()));
  view.add(base.child({1, 5, 0}), MibValue::string(d.config().file));
  view.add(base.child({1, 6, 0}), MibValue::counter32(d.reloads()));
  view.add(base.child({1, 7, 0}), MibValue::counter32(d.reload_failures()));
}

// Columns `first`..`first + 5`: requests, then responses 1xx..5xx.
void http_cells(TableWriter& t, uint32_t first, std::initializer_list<uint32_t> index,
                const runtime::TrafficTotals& tt) {
  t.cell(first, index, MibValue::counter64(tt.requests));
  for (uint32_t c = 0; c < 5; ++c) t.cell(first + 1 + c, index, MibValue::counter64(tt.responses[c]));
}

void add_frontends(const runtime::RuntimeSnapshot& snapshot, const Oid& base, MibView& view) {
  TableWriter t(view, base, 2);
  uint32_t i = 0;
  for (const auto& fe : snapshot.frontends) {
    ++i;
    runtime::TrafficTotals tt = fe.state->traffic().totals();
    std::string binds;
    for (const auto& b : fe.conf->binds) binds += (binds.empty() ? "" : ",") + b.to_string();
    t.cell(1, {i}, MibValue::string(fe.conf->name));
    t.cell(2, {i}, MibValue::string(conf::to_string(fe.conf->mode)));
    t.cell(3, {i}, MibValue::string(binds));
    t.cell(4, {i}, MibValue::string(fe.conf->pool));
    t.cell(5, {i}, MibValue::gauge32(static_cast<uint64_t>(std::max<int64_t>(tt.active, 0))));
    t.cell(6, {i}, MibValue::counter64(tt.total));
    t.cell(7, {i}, MibValue::counter64(tt.bytes_in));
    t.cell(8, {i}, MibValue::counter64(tt.bytes_out));
    t.cell(9, {i}, MibValue::integer(fe.conf->max_connections));
    t.cell(10, {i}, MibValue::counter64(tt.no_server));
    if (fe.conf->mode == conf::Mode::Http) {
      http_cells(t, 11, {i}, tt);  // 11..16
      t.cell(17, {i}, MibValue::counter64(tt.own_responses));
    }
    if (fe.conf->tls()) {
      t.cell(18, {i}, MibValue::counter64(tt.tls_handshakes));
      t.cell(19, {i}, MibValue::counter64(tt.tls_resumed));
      t.cell(20, {i}, MibValue::counter64(tt.tls_failures));
    }
  }
}

void add_http_servers(const runtime::RuntimeSnapshot& snapshot, const Oid& base, MibView& view) {
  TableWriter servers(view, base, 4);
  for (uint32_t p : http_pool_indices(snapshot)) {
    uint32_t s = 0;
    for (const auto& state : snapshot.pools[p].servers) {
      ++s;
      http_cells(servers, 18, {p + 1, s}, state->traffic().totals());  // 18..23
    }
  }
}

void add_pools_and_servers(const Daemon& d, const Oid& base, MibView& view) {
  TableWriter pools(view, base, 3);
  TableWriter servers(view, base, 4);
  uint32_t p = 0;
  for (const auto& pool : d.snapshot().pools) {
    ++p;
    runtime::TrafficTotals sum;
    uint64_t up = 0;
    uint32_t s = 0;
    for (const auto& state : pool.servers) {
      const conf::ServerConf& sc = pool.conf->servers[s];
      ++s;
      runtime::TrafficTotals tt = state->traffic().totals();
      sum += tt;
      if (state->up()) ++up;
      const health::HealthTracker* tracker = d.health().tracker(*state);
      servers.cell(1, {p, s}, MibValue::string(state->name()));
      servers.cell(2, {p, s}, MibValue::string(state->address().to_string()));
      servers.cell(3, {p, s}, MibValue::integer(state->up() ? 1 : 2));
      servers.cell(4, {p, s}, MibValue::integer(static_cast<int>(state->admin()) + 1));
      servers.cell(5, {p, s}, MibValue::integer(state->weight()));
      servers.cell(6, {p, s}, truth(sc.backup));
      servers.cell(7, {p, s}, MibValue::gauge32(static_cast<uint64_t>(std::max<int64_t>(tt.active, 0))));
      servers.cell(8, {p, s}, MibValue::counter64(tt.total));
      servers.cell(9, {p, s}, MibValue::counter64(tt.bytes_in));
      servers.cell(10, {p, s}, MibValue::counter64(tt.bytes_out));
      servers.cell(11, {p, s}, MibValue::counter64(tt.connect_failures));
      if (tracker != nullptr) {
        const health::HealthStats& hs = tracker->stats();
        servers.cell(12, {p, s}, MibValue::string(hs.last_result.empty() ? "pending" : hs.last_result));
        servers.cell(13, {p, s}, MibValue::gauge32(static_cast<uint64_t>(hs.last_duration.count() / 1000)));
        servers.cell(14, {p, s}, MibValue::counter64(hs.checks_passed));
        servers.cell(15, {p, s}, MibValue::counter64(hs.checks_failed));
        servers.cell(16, {p, s}, MibValue::counter32(hs.state_changes));
      } else {
        servers.cell(12, {p, s}, MibValue::string("none"));
      }
      servers.cell(17, {p, s}, MibValue::integer(sc.maxconn));
    }
    tables::StickyTable* sticky = d.sticky_table(pool.conf->name);
    pools.cell(1, {p}, MibValue::string(pool.conf->name));
    pools.cell(2, {p}, MibValue::string(conf::to_string(pool.conf->balance)));
    pools.cell(3, {p}, MibValue::string(conf::to_string(pool.conf->sticky)));
    pools.cell(4, {p}, MibValue::gauge32(up));
    pools.cell(5, {p}, MibValue::gauge32(pool.servers.size()));
    pools.cell(6, {p}, MibValue::gauge32(static_cast<uint64_t>(std::max<int64_t>(sum.active, 0))));
    pools.cell(7, {p}, MibValue::counter64(sum.total));
    pools.cell(8, {p}, MibValue::counter64(sum.bytes_in));
    pools.cell(9, {p}, MibValue::counter64(sum.bytes_out));
    pools.cell(10, {p}, MibValue::gauge32(sticky != nullptr ? sticky->size() : 0));
    pools.cell(11, {p}, truth(pool.using_backups));
  }
}

void add_totals(const Daemon& d, const Oid& base, MibView& view) {
  runtime::TrafficTotals fe;
  for (const auto& f : d.snapshot().frontends) fe += f.state->traffic().totals();
  uint64_t up = 0, down = 0, sticky = 0, failures = 0;
  for (const auto& pool : d.snapshot().pools) {
    for (const auto& s : pool.servers) {
      (s->up() ? up : down) += 1;
      failures += s->traffic().totals().connect_failures;
    }
    if (auto* t = d.sticky_table(pool.conf->name)) sticky += t->size();
  }
  view.add(base.child({5, 1, 0}), MibValue::gauge32(static_cast<uint64_t>(std::max<int64_t>(fe.active, 0))));
  view.add(base.child({5, 2, 0}), MibValue::counter64(fe.total));
  view.add(base.child({5, 3, 0}), MibValue::counter64(fe.bytes_in));
  view.add(base.child({5, 4, 0}), MibValue::counter64(fe.bytes_out));
  view.add(base.child({5, 5, 0}), MibValue::gauge32(sticky));
  view.add(base.child({5, 6, 0}), MibValue::gauge32(up));
  view.add(base.child({5, 7, 0}), MibValue::gauge32(down));
  view.add(base.child({5, 8, 0}), MibValue::counter64(failures));
  view.add(base.child({5, 9, 0}), MibValue::counter64(fe.no_server));
  view.add(base.child({5, 10, 0}), MibValue::counter64(fe.requests));
  for (uint32_t c = 0; c < 5; ++c) view.add(base.child({5, 11 + c, 0}), MibValue::counter64(fe.responses[c]));
  view.add(base.child({5, 16, 0}), MibValue::counter64(fe.own_responses));
  view.add(base.child({5, 17, 0}), MibValue::counter64(fe.tls_handshakes));
  view.add(base.child({5, 18, 0}), MibValue::counter64(fe.tls_resumed));
  view.add(base.child({5, 19, 0}), MibValue::counter64(fe.tls_failures));
}

}  // namespace

status::Oid tandem_oid_base(const Daemon& d) {
  auto parsed = status::Oid::parse(d.config().global.oid_base);
  return parsed ? *parsed : status::Oid{1, 3, 6, 1, 4, 1, 32473, 7};
}

void fill_frontend_table(const runtime::RuntimeSnapshot& snapshot, const status::Oid& base, status::MibView& view) {
  add_frontends(snapshot, base, view);
}

void fill_http_server_columns(const runtime::RuntimeSnapshot& snapshot, const status::Oid& base,
                              status::MibView& view) {
  add_http_servers(snapshot, base, view);
}

void fill_tandem_mib(const Daemon& d, status::MibView& view) {
  Oid base = tandem_oid_base(d);
  view.reserve(64 + 17 * d.config().frontends.size() + 30 * d.config().pools.size() * 8);
  add_global(d, base, view);
  fill_frontend_table(d.snapshot(), base, view);
  add_pools_and_servers(d, base, view);
  fill_http_server_columns(d.snapshot(), base, view);
  add_totals(d, base, view);
}

}  // namespace tandem
