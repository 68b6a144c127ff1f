#include "daemon/sync_status.h"

#include <charconv>
#include <cstdio>

#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/replication/replica_sources.h"
#include "daemon/status/json.h"
#include "daemon/status/table.h"
#include "sync/service.h"

namespace tandem {
namespace {

using status::MibValue;
using status::Request;
using status::Response;
using status::StatusCode;

int64_t ms_since(std::optional<base::MonoTime> t, base::MonoTime now) {
  if (!t) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - *t).count();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// Everything `show sync` says, gathered once for both forms.
struct SyncView {
  const sync::LinkStats& link;
  sync::ChannelStatus channel;
  bool up;
  bool dialer;
  std::string listen;
  std::string peer;
  base::MonoTime now;
};

SyncView gather(const Daemon& d) {
  const sync::Service& s = *d.sync();
  const base::MonoTime now = base::SystemClock::instance().now();
  return SyncView{s.link().stats(), s.channel().status(now), s.link().up(), s.link().dialer(),
                  d.config().sync.listen.to_string(), d.config().sync.peer.to_string(), now};
}

std::string to_json(const SyncView& v) {
  const sync::ChannelStatus& c = v.channel;
  const sync::ChannelCounters& n = c.counters;
  status::JsonWriter w;
  w.begin_object();
  w.key("state"); w.value(sync::to_string(c.state));
  w.key("listen"); w.value(v.listen);
  w.key("peer"); w.value(v.peer);
  w.key("dialer"); w.value(v.dialer);
  w.key("link_up"); w.value(v.up);
  w.key("peer_address"); w.value(v.link.peer_address);
  w.key("peer_node"); w.value(c.peer_node);
  w.key("version"); w.value(c.version);
  w.key("up_ms"); w.value(ms_since(c.up_since, v.now));
  w.key("last_hello_ms_ago"); w.value(ms_since(c.last_hello, v.now));
  w.key("last_heartbeat_ms_ago"); w.value(ms_since(c.last_heartbeat, v.now));
  w.key("clock_offset_ms"); w.value(c.clock_offset_ms);
  w.key("config_mismatch"); w.value(c.config_mismatch);
  w.key("mismatched_pools"); w.begin_array();
  for (const auto& p : c.mismatched_pools) w.value(p);
  w.end_array();
  w.key("sent_seq"); w.value(c.sent_seq);
  w.key("acked_seq"); w.value(c.acked_seq);
  w.key("received_seq"); w.value(c.received_seq);
  w.key("lag_records"); w.value(c.lag_records);
  w.key("lag_ms"); w.value(static_cast<int64_t>(c.lag_age.count()));
  w.key("split_brain"); w.value(c.split_brain);
  w.key("split_brain_instances"); w.begin_array();
  for (const auto& i : c.split_brain_instances) w.value(i);
  w.end_array();
  w.key("connects"); w.value(v.link.connects);
  w.key("handshake_failures"); w.value(v.link.handshake_failures);
  w.key("protocol_errors"); w.value(v.link.protocol_errors);
  w.key("resets"); w.value(n.resets);
  w.key("records_sent"); w.value(n.records_sent);
  w.key("records_withheld"); w.value(n.records_withheld);
  w.key("records_invalid"); w.value(n.records_invalid);
  w.key("records_received"); w.value(n.records_received);
  w.key("records_applied"); w.value(n.records_applied);
  w.key("records_stale"); w.value(n.records_stale);
  w.key("records_skipped"); w.value(n.records_skipped);
  w.key("records_refused"); w.value(n.records_refused);
  w.key("snapshots_sent"); w.value(n.snapshots_sent);
  w.key("snapshots_received"); w.value(n.snapshots_received);
  w.key("bytes_in"); w.value(v.link.bytes_in);
  w.key("bytes_out"); w.value(v.link.bytes_out);
  w.key("last_error"); w.value(c.last_error);
  w.key("link_error"); w.value(v.link.last_error);
  w.end_object();
  return w.take();
}

std::string to_text(const SyncView& v) {
  const sync::ChannelStatus& c = v.channel;
  const sync::ChannelCounters& n = c.counters;
  std::string out;
  char line[512];
  auto add = [&](const char* fmt, auto... args) {
    snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  add("state        %s%s\n", sync::to_string(c.state), c.split_brain ? "   ** SPLIT BRAIN **" : "");
  add("link         %s -> %s (%s), %s\n", v.listen.c_str(), v.peer.c_str(), v.dialer ? "dials" : "accepts",
      v.up ? ("up " + std::to_string(ms_since(c.up_since, v.now)) + " ms from " + v.link.peer_address).c_str()
           : "down");
  add("peer         %s, protocol %u, clock offset %lld ms\n", c.peer_node.empty() ? "-" : c.peer_node.c_str(),
      static_cast<unsigned>(c.version), static_cast<long long>(c.clock_offset_ms));
  add("config       %s\n", c.mismatched_pools.empty() && !c.config_mismatch
                               ? "fingerprints match"
                               : ("differs; not replicated: " + (c.mismatched_pools.empty() ? std::string("-")
                                                                                            : joined(c.mismatched_pools)))
                                     .c_str());
  add("lag          %llu records, %lld ms (sent %llu, acknowledged %llu)\n",
      static_cast<unsigned long long>(c.lag_records), static_cast<long long>(c.lag_age.count()),
      static_cast<unsigned long long>(c.sent_seq), static_cast<unsigned long long>(c.acked_seq));
  add("sent         %llu records, %llu snapshots, %llu withheld, %llu invalid\n",
      static_cast<unsigned long long>(n.records_sent), static_cast<unsigned long long>(n.snapshots_sent),
      static_cast<unsigned long long>(n.records_withheld), static_cast<unsigned long long>(n.records_invalid));
  add("received     %llu records: %llu applied, %llu stale, %llu skipped, %llu refused; %llu snapshots\n",
      static_cast<unsigned long long>(n.records_received), static_cast<unsigned long long>(n.records_applied),
      static_cast<unsigned long long>(n.records_stale), static_cast<unsigned long long>(n.records_skipped),
      static_cast<unsigned long long>(n.records_refused), static_cast<unsigned long long>(n.snapshots_received));
  add("connections  %llu, refused handshakes %llu, protocol errors %llu, resets %llu\n",
      static_cast<unsigned long long>(v.link.connects), static_cast<unsigned long long>(v.link.handshake_failures),
      static_cast<unsigned long long>(v.link.protocol_errors), static_cast<unsigned long long>(n.resets));
  if (c.split_brain) add("split brain  master on both nodes: %s\n", joined(c.split_brain_instances).c_str());
  if (!c.last_error.empty()) add("last error   %s\n", c.last_error.c_str());
  if (!v.link.last_error.empty()) add("link error   %s\n", v.link.last_error.c_str());
  return out;
}

Response show_sync(const Daemon& d, const Request& r) {
  if (!r.args.empty()) return Response::bad_usage(r);
  if (d.sync() == nullptr) return Response::error(StatusCode::NotFound, "no [sync] section in the configuration");
  SyncView v = gather(d);
  return Response::ok(r.json ? to_json(v) : to_text(v));
}

// "10.0.0.7:51234", "[2001:db8::7]:51234" from the wire's address bytes.
std::string client_text(const std::string& bytes, uint16_t port) {
  auto address = base::SocketAddress::from_bytes(bytes, port);
  return address ? address->to_string() : "?";
}

Response show_peer_conns(const Daemon& d, const Request& r) {
  if (r.args.size() > 1) return Response::bad_usage(r);
  size_t limit = 1000;
  if (r.args.size() == 1) {
    const std::string& a = r.args[0];
    auto [p, ec] = std::from_chars(a.data(), a.data() + a.size(), limit);
    if (ec != std::errc() || p != a.data() + a.size() || limit == 0) return Response::bad_usage(r);
  }
  const uint64_t now_ms = replication::to_wall_ms(base::SystemClock::instance().wall_now());
  const base::MonoTime now = base::SystemClock::instance().now();
  status::Table t({"node", "id", "client", "frontend", "pool", "server", "age_ms", "bytes_in", "bytes_out", "reported_ms_ago"});
  for (const auto& e : d.peer_connections().list(limit)) {
    const sync::ConnectionRecord& c = e.conn;
    const int64_t age = now_ms > c.started_ms ? static_cast<int64_t>(now_ms - c.started_ms) : 0;
    t.add_row({e.origin, c.id, client_text(c.client, c.client_port), c.frontend,
               c.pool.empty() ? status::Cell::null() : status::Cell(c.pool),
               c.server.empty() ? status::Cell::null() : status::Cell(c.server), age, c.bytes_to_server,
               c.bytes_to_client, ms_since(e.seen, now)});
  }
  return Response::ok(t.render(r.json));
}

uint32_t state_number(sync::ChannelState s) {
  switch (s) {
    case sync::ChannelState::Down: return 1;
    case sync::ChannelState::Hello: return 2;
    case sync::ChannelState::Syncing: return 3;
    case sync::ChannelState::Synced: return 4;
  }
  return 1;
}

}  // namespace

void register_sync_commands(Daemon& daemon, status::CommandRegistry& registry) {
  Daemon* d = &daemon;
  base::Status added = registry.add({.words = "show sync",
                                     .args = "",
                                     .summary = "the sync channel: link, peer, lag, counters, split brain",
                                     .access = status::Access::Read,
                                     .handler = [d](const Request& r) { return show_sync(*d, r); }});
  if (!added) TLOG_ERROR("status commands: %s", added.error().message.c_str());
  added = registry.add({.words = "show peer conns",
                        .args = "[LIMIT]",
                        .summary = "the peer's live connections, as its sync channel reported them",
                        .access = status::Access::Read,
                        .handler = [d](const Request& r) { return show_peer_conns(*d, r); }});
  if (!added) TLOG_ERROR("status commands: %s", added.error().message.c_str());
}

void fill_sync_mib(const Daemon& d, const status::Oid& base, status::MibView& view) {
  if (d.sync() == nullptr) return;
  SyncView v = gather(d);
  const sync::ChannelStatus& c = v.channel;
  const sync::ChannelCounters& n = c.counters;
  auto add = [&](uint32_t i, MibValue value) { view.add(base.child({6, i, 0}), std::move(value)); };
  add(1, MibValue::integer(state_number(c.state)));
  add(2, MibValue::string(c.peer_node));
  add(3, MibValue::string(v.link.peer_address));
  add(4, MibValue::counter64(n.records_sent));
  add(5, MibValue::counter64(n.records_received));
  add(6, MibValue::counter64(n.records_applied));
  add(7, MibValue::counter64(n.records_stale));
  add(8, MibValue::counter64(n.records_refused));
  add(9, MibValue::gauge32(c.lag_records));
  add(10, MibValue::gauge32(static_cast<uint64_t>(c.lag_age.count())));
  add(11, MibValue::counter32(n.snapshots_sent));
  add(12, MibValue::counter32(n.snapshots_received));
  add(13, MibValue::counter32(v.link.connects));
  add(14, MibValue::counter32(v.link.handshake_failures));
  add(15, MibValue::counter32(v.link.protocol_errors));
  add(16, MibValue::integer(c.split_brain ? 1 : 2));
  add(17, MibValue::integer(c.clock_offset_ms));
  add(18, MibValue::integer(c.config_mismatch || !c.mismatched_pools.empty() ? 1 : 2));
  add(19, MibValue::string(joined(c.mismatched_pools)));
}

}  // namespace tandem
