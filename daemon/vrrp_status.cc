#include "daemon/vrrp_status.h"

#include <ctime>

#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/status/json.h"
#include "daemon/status/table.h"
#include "vrrp/interface_info.h"
#include "vrrp/service.h"

namespace tandem {
namespace {

using status::MibValue;
using status::Oid;
using status::Request;
using status::Response;
using status::StatusCode;
using status::Table;

int64_t ms_between(base::MonoTime from, base::MonoTime to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::string vips_text(const vrrp::InstanceStatus& s) {
  std::string out;
  for (const auto& v : s.vips) out += (out.empty() ? "" : ",") + v.text;
  return out;
}

// "2026-11-27T05:40:01.123Z"
std::string iso_time(base::WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[96];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
           utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

Table instances_table(const vrrp::ServiceStatus& st) {
  Table t({"instance", "interface", "vrid", "state", "priority", "base_priority", "master", "advert_interval_ms",
           "master_advert_interval_ms", "preempt", "vips", "in_state_ms", "transitions", "adverts_rx", "adverts_tx",
           "hold_ms", "adverts_late", "max_advert_delay_us"});
  const base::MonoTime now = base::SystemClock::instance().now();
  for (const auto& s : st.instances) {
    t.add_row({s.name, s.interface, s.vrid, vrrp::to_string(s.state), s.priority, s.base_priority,
               s.master_address == 0 ? status::Cell::null() : status::Cell(vrrp::format_ipv4(s.master_address)),
               static_cast<int64_t>(s.advert_interval.count()), static_cast<int64_t>(s.master_advert_interval.count()),
               s.preempt, vips_text(s), ms_between(s.state_since, now), s.stats.master_transitions,
               s.stats.adverts_received, s.stats.adverts_sent, static_cast<int64_t>(s.hold_remaining.count()),
               s.adverts_late, static_cast<int64_t>(s.max_advert_delay.count())});
  }
  return t;
}

Table history_table(const vrrp::ServiceStatus& st) {
  Table t({"time", "instance", "from", "to", "reason"});
  for (const auto& h : st.history)
    t.add_row({iso_time(h.at), h.instance, vrrp::to_string(h.from), vrrp::to_string(h.to), h.reason});
  return t;
}

Response show_vrrp(const Daemon& d, const Request& r) {
  if (!r.args.empty()) return Response::bad_usage(r);
  if (d.vrrp() == nullptr) return Response::error(StatusCode::NotFound, "no [vrrp] section in the configuration");
  vrrp::ServiceStatus st = d.vrrp()->status();
  if (r.json)
    return Response::ok("{\"instances\":" + instances_table(st).to_json() +
                        ",\"history\":" + history_table(st).to_json() + "}");
  return Response::ok(instances_table(st).to_text() + "\nhistory (oldest first):\n" + history_table(st).to_text());
}

Response failover_answer(const vrrp::FailoverOutcome& out, bool release) {
  std::string body;
  for (const auto& l : out.lines) body += l + "\n";
  if (!out.done)
    return Response::error(StatusCode::Conflict,
                           release ? "nothing to release" : "nothing to hand over: this node is not master", body);
  return Response::ok(body);
}

void failover(Daemon& d, const Request& r, status::Responder responder) {
  if (d.vrrp() == nullptr) {
    responder.reply(Response::error(StatusCode::NotFound, "no [vrrp] section in the configuration"));
    return;
  }
  bool release = false;
  std::string name;
  for (const auto& a : r.args) {
    if (a == "--release" && !release) {
      release = true;
    } else if (name.empty() && a.rfind('-', 0) != 0) {
      name = a;
    } else {
      responder.reply(Response::bad_usage(r));
      return;
    }
  }
  TLOG_NOTICE("failover%s%s%s requested (operator uid %d pid %d)", release ? " --release" : "",
              name.empty() ? "" : " of ", name.c_str(), static_cast<int>(r.peer.uid), static_cast<int>(r.peer.pid));
  if (release) {
    responder.reply(failover_answer(d.vrrp()->failover(name, vrrp::FailoverMode::Release), true));
    return;
  }
  // The Responder is move-only; the callback must be copyable.
  auto shared = std::make_shared<status::Responder>(std::move(responder));
  d.failover(name, [shared](const vrrp::FailoverOutcome& out) { shared->reply(failover_answer(out, false)); });
}

}  // namespace

status::Table vrrp_summary_table(const Daemon& d) {
  Table t({"vrrp", "state", "priority", "master", "vips"});
  if (d.vrrp() == nullptr) return t;
  for (const auto& s : d.vrrp()->status().instances)
    t.add_row({s.name, vrrp::to_string(s.state), s.priority,
               s.master_address == 0 ? status::Cell::null() : status::Cell(vrrp::format_ipv4(s.master_address)),
               vips_text(s)});
  return t;
}

void register_vrrp_commands(Daemon& d, status::CommandRegistry& registry) {
  auto add = [&](status::Command c) {
    if (auto s = registry.add(std::move(c)); !s) TLOG_ERROR("status commands: %s", s.error().message.c_str());
  };
  add({.words = "show vrrp",
       .args = "",
       .summary = "VRRP instances: state, priority, master, VIPs; and the recent state changes",
       .access = status::Access::Read,
       .handler = [&d](const Request& r) { return show_vrrp(d, r); }});
  add({.words = "failover",
       .args = "[INSTANCE] [--release]",
       .summary = "hand the VIPs to the peer and hold back from preempting; --release ends the hold",
       .access = status::Access::Admin,
       .async_handler = [&d](const Request& r, status::Responder responder) { failover(d, r, std::move(responder)); }});
}

// VRRPv3-MIB (RFC 6527): vrrpv3MIB = 1.3.6.1.2.1.207; tables indexed by
// (ifIndex, VrId, InetAddrType = ipv4(1)).
void fill_vrrp_mib(const Daemon& d, status::MibView& view) {
  if (d.vrrp() == nullptr) return;
  const Oid mib = Oid::parse("1.3.6.1.2.1.207").value();
  const Oid operations = mib.child({1, 1, 1, 1});      // vrrpv3OperationsEntry
  const Oid addresses = mib.child({1, 1, 2, 1});       // vrrpv3AssociatedIpAddrEntry
  const Oid statistics = mib.child({1, 2});            // vrrpv3Statistics
  const Oid stats_entry = statistics.child({5, 1});    // vrrpv3StatisticsEntry
  vrrp::ServiceStatus st = d.vrrp()->status();
  const base::MonoTime now = base::SystemClock::instance().now();
  auto ip = [](vrrp::Ipv4 a) {
    std::string bytes = {static_cast<char>(a >> 24), static_cast<char>(a >> 16), static_cast<char>(a >> 8),
                         static_cast<char>(a)};
    return MibValue::string(bytes);
  };
  auto truth = [](bool b) { return MibValue::integer(b ? 1 : 2); };
  for (const auto& s : st.instances) {
    const uint32_t ifindex = static_cast<uint32_t>(s.ifindex);
    const uint32_t vrid = static_cast<uint32_t>(s.vrid);
    auto op = [&](uint32_t column, MibValue v) { view.add(operations.child({column, ifindex, vrid, 1}), std::move(v)); };
    // RFC 6527 has no fault state: a faulty router is not running VRRP, i.e. initialize(1).
    int status = s.state == vrrp::State::Master ? 3 : s.state == vrrp::State::Backup ? 2 : 1;
    op(3, ip(s.master_address));
    op(4, ip(s.primary_address));
    const char mac[6] = {0x00, 0x00, 0x5E, 0x00, 0x01, static_cast<char>(vrid)};  // RFC 5798 7.3
    op(5, MibValue::string(std::string(mac, 6)));
    op(6, MibValue::integer(status));
    op(7, MibValue::gauge32(static_cast<uint64_t>(s.priority)));
    op(8, MibValue::integer(static_cast<int64_t>(s.vips.size())));
    op(9, MibValue::integer(s.advert_interval.count() / 10));
    op(10, truth(s.preempt));
    op(11, truth(s.accept_mode));
    uint64_t up = s.up_since == base::MonoTime{} ? 0 : static_cast<uint64_t>(ms_between(s.up_since, now) / 10);
    op(12, MibValue::timeticks(up));
    op(13, MibValue::integer(1));  // RowStatus active(1)
    for (const auto& v : s.vips)
      view.add(addresses.child({2, ifindex, vrid, 1, 4, v.address >> 24, (v.address >> 16) & 255,
                                (v.address >> 8) & 255, v.address & 255}),
               MibValue::integer(1));
    auto stat = [&](uint32_t column, MibValue v) {
      view.add(stats_entry.child({column, ifindex, vrid, 1}), std::move(v));
    };
    using R = vrrp::DropReason;
    stat(1, MibValue::counter32(s.stats.master_transitions));
    stat(2, MibValue::integer(static_cast<int>(s.stats.new_master_reason)));
    stat(3, MibValue::counter64(s.stats.adverts_received));
    stat(4, MibValue::counter64(s.stats.advert_interval_errors));
    stat(5, MibValue::counter64(s.drops[R::BadTtl]));
    int proto_error = s.drops[R::BadChecksum] > 0 ? 3 : s.drops[R::BadVersion] > 0 ? 2 : s.drops[R::BadTtl] > 0 ? 1 : 0;
    stat(6, MibValue::integer(proto_error));
    stat(7, MibValue::counter64(s.stats.priority_zero_received));
    stat(8, MibValue::counter64(s.stats.priority_zero_sent));
    stat(9, MibValue::counter64(s.drops[R::BadType]));
    stat(10, MibValue::counter64(s.stats.address_list_errors));
    stat(11, MibValue::counter64(s.drops[R::TooShort] + s.drops[R::BadIpHeader] + s.drops[R::BadLength]));
    stat(12, MibValue::timeticks(0));
    stat(13, MibValue::gauge32(0));
  }
  view.add(statistics.child({1, 0}), MibValue::counter64(st.drops[vrrp::DropReason::BadChecksum]));
  view.add(statistics.child({2, 0}), MibValue::counter64(st.drops[vrrp::DropReason::BadVersion]));
  view.add(statistics.child({3, 0}), MibValue::counter64(st.drops.unknown_vrid));
  view.add(statistics.child({4, 0}), MibValue::timeticks(0));
}

}  // namespace tandem
