#include "conf/cross_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/ipv4.h"
#include "conf/http_checks.h"
#include "conf/suggest.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

template <typename T>
std::vector<const Parsed<T>*> live(const std::deque<Parsed<T>>& sections) {
  std::vector<const Parsed<T>*> out;
  for (const auto& s : sections)
    if (!s.record.duplicate) out.push_back(&s);
  return out;
}

bool is_any(const base::SocketAddress& a) {
  for (char c : a.address_bytes())
    if (c != 0) return false;
  return true;
}

void check_frontends(const std::vector<const Parsed<FrontendConf>*>& frontends,
                     const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors) {
  std::vector<std::string_view> pool_names;
  for (const auto* p : pools) pool_names.push_back(p->conf.name);
  const std::set<std::string_view> pool_set(pool_names.begin(), pool_names.end());
  for (const auto* f : frontends) {
    const SectionRecord& r = f->record;
    if (r.first_line("bind") == 0)
      errors.add(r.line, r.label, "bind", "missing: a frontend needs at least one 'bind = HOST:PORT'");
    if (r.first_line("pool") == 0) errors.add(r.line, r.label, "pool", "missing: a frontend needs 'pool = NAME'");
    if (f->conf.pool.empty() || !check_references) continue;
    if (!pool_set.contains(f->conf.pool))
      errors.add(r.first_line("pool"), r.label, "pool",
                 "no section [pool:" + f->conf.pool + "]" + did_you_mean(f->conf.pool, pool_names));
  }
}

void check_pools(const std::vector<const Parsed<FrontendConf>*>& frontends,
                 const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors) {
  std::set<std::string_view> used;
  for (const auto* f : frontends) {
    used.insert(f->conf.pool);
    for (const RouteConf& route : f->conf.routes) used.insert(route.pool);
  }
  for (const auto* p : pools) {
    const SectionRecord& r = p->record;
    if (!used.contains(p->conf.name) && check_references) errors.add(r.line, r.label, "", "pool '" + p->conf.name + "' is not used by any frontend");
    if (r.first_line("server") == 0)
      errors.add(r.line, r.label, "server", "missing: a pool needs at least one 'server = NAME HOST:PORT'");
  }
}

void check_binds(const std::vector<const Parsed<FrontendConf>*>& frontends, ErrorList& errors) {
  struct Bound {
    const base::SocketAddress* address;
    const Parsed<FrontendConf>* frontend;
    int line;
  };
  // Listeners can only conflict within one (family, port); within it, with
  // the same address or a wildcard. Buckets keep this linear in the binds.
  struct Bucket {
    std::map<std::string_view, Bound> exact;
    const Bound* any = nullptr;
  };
  std::map<std::pair<int, uint16_t>, Bucket> buckets;
  for (const auto* f : frontends) {
    auto lines = f->record.applied.find("bind");
    for (size_t i = 0; i < f->conf.binds.size(); ++i) {
      const auto& a = f->conf.binds[i];
      int line = lines != f->record.applied.end() && i < lines->second.size() ? lines->second[i] : f->record.line;
      Bucket& bucket = buckets[{a.family(), a.port()}];
      const Bound* clash = bucket.any;
      if (auto it = bucket.exact.find(a.address_bytes()); it != bucket.exact.end()) clash = &it->second;
      if (clash == nullptr && is_any(a) && !bucket.exact.empty()) clash = &bucket.exact.begin()->second;
      if (clash != nullptr) {
        std::string owner = "frontend '" + clash->frontend->conf.name + "', line " + std::to_string(clash->line);
        errors.add(line, f->record.label, "bind",
                   *clash->address == a ? a.to_string() + " is bound twice (also by " + owner + ")"
                                        : a.to_string() + " overlaps " + clash->address->to_string() + " (bound by " +
                                              owner + ")");
        continue;
      }
      auto [it, inserted] = bucket.exact.emplace(a.address_bytes(), Bound{&a, f, line});
      if (is_any(a)) bucket.any = &it->second;
    }
  }
}

void check_vrrp(const std::vector<const Parsed<VrrpConf>*>& instances, const std::vector<const Parsed<PoolConf>*>& pools,
                bool check_references, ErrorList& errors) {
  std::vector<std::string_view> pool_names;
  for (const auto* p : pools) pool_names.push_back(p->conf.name);
  std::map<std::string, const SectionRecord*> names;
  std::map<std::pair<std::string, int>, const SectionRecord*> vrids;
  std::map<uint32_t, const SectionRecord*> vips;
  for (const auto* v : instances) {
    const SectionRecord& r = v->record;
    const VrrpConf& c = v->conf;
    if (r.first_line("interface") == 0)
      errors.add(r.line, r.label, "interface", "missing: the interface the VIPs live on, e.g. 'interface = eth0'");
    if (r.first_line("vrid") == 0)
      errors.add(r.line, r.label, "vrid", "missing: the virtual router id 1..255, the same on both nodes");
    if (r.first_line("vip") == 0)
      errors.add(r.line, r.label, "vip", "missing: at least one 'vip = ADDRESS[/PREFIX]'");
    if (auto [it, fresh] = names.emplace(c.name, &r); !fresh)
      errors.add(r.line, r.label, "", "instance name '" + c.name + "' is also used by [" + it->second->label + "]");
    if (!c.interface.empty() && c.vrid != 0) {
      if (auto [it, fresh] = vrids.emplace(std::pair(c.interface, c.vrid), &r); !fresh)
        errors.add(r.first_line("vrid"), r.label, "vrid",
                   "vrid " + std::to_string(c.vrid) + " on " + c.interface + " is also used by [" + it->second->label +
                       "] (line " + std::to_string(it->second->line) + ")");
    }
    for (const VipConf& vip : c.vips) {
      if (auto [it, fresh] = vips.emplace(vip.address, &r); !fresh && it->second != &r)
        errors.add(r.first_line("vip"), r.label, "vip",
                   base::format_ipv4(vip.address) + " is also a VIP of [" + it->second->label + "]");
      for (uint32_t peer : c.unicast_peers)
        if (peer == vip.address)
          errors.add(r.first_line("unicast_peer"), r.label, "unicast_peer",
                     base::format_ipv4(peer) + " is one of this instance's VIPs; give the peer node's own address");
    }
    if (c.source_address != 0)
      for (const VipConf& vip : c.vips)
        if (vip.address == c.source_address)
          errors.add(r.first_line("source_address"), r.label, "source_address",
                     "must be this node's own address, not a VIP");
    if (!check_references) continue;
    for (const std::string& pool : c.track_pools)
      if (std::find(pool_names.begin(), pool_names.end(), pool) == pool_names.end())
        errors.add(r.first_line("track_pool"), r.label, "track_pool",
                   "no section [pool:" + pool + "]" + did_you_mean(pool, pool_names));
  }
}

// The line to report a problem of `key` on: where it was given, else the
// line of `fallback` if given, else the section header.
int line_of(const SectionRecord& r, std::string_view key, std::string_view fallback = {}) {
  if (int line = r.first_line(key); line != 0) return line;
  if (int line = fallback.empty() ? 0 : r.first_line(fallback); line != 0) return line;
  return r.line;
}

void check_sync_section(const Parsed<SyncConf>& s, std::string_view node, ErrorList& errors) {
  const SectionRecord& r = s.record;
  const SyncConf& c = s.conf;
  if (r.first_line("listen") == 0)
    errors.add(r.line, r.label, "listen", "missing: this node's sync address, e.g. 'listen = 10.0.0.11:7400'");
  if (r.first_line("peer") == 0)
    errors.add(r.line, r.label, "peer", "missing: the peer node's sync address, e.g. 'peer = 10.0.0.12:7400'");
  if (r.first_line("key_file") == 0)
    errors.add(r.line, r.label, "key_file",
               "missing: the pre-shared key, the same file on both nodes "
               "(umask 077; openssl rand -hex 32 > /etc/tandem/sync.key)");
  const bool have_both = r.applied.contains("listen") && r.applied.contains("peer");
  if (have_both && c.listen.family() != c.peer.family())
    errors.add(line_of(r, "peer"), r.label, "peer",
               c.peer.to_string() + " and listen = " + c.listen.to_string() +
                   " are of different families; use IPv4 for both or IPv6 for both");
  else if (have_both && c.listen == c.peer)
    errors.add(line_of(r, "peer"), r.label, "peer",
               "the same address as listen (" + c.listen.to_string() + "); give the peer node's sync address");
  if (c.peer_timeout <= 2 * c.heartbeat_interval)
    errors.add(line_of(r, "peer_timeout", "heartbeat_interval"), r.label, "peer_timeout",
               format_duration(c.peer_timeout) + " must be more than 2 x heartbeat_interval (2 x " +
                   format_duration(c.heartbeat_interval) + "), or a late heartbeat resets the link");
  if (!c.peer_node.empty() && c.peer_node == node)
    errors.add(line_of(r, "peer_node"), r.label, "peer_node",
               "'" + c.peer_node + "' is this node's own name ([global] node); give the peer's");
}

}  // namespace

void check_sync(const std::deque<Parsed<SyncConf>>& sync, std::string_view node, ErrorList& errors) {
  for (const auto* s : live(sync)) check_sync_section(*s, node, errors);
}

void check_cross_references(const ParsedConfig& parsed, ErrorList& errors) {
  auto frontends = live(parsed.frontends);
  auto pools = live(parsed.pools);
  const bool check_references = !parsed.rejected_sections;
  if (frontends.empty() && check_references)
    errors.add(0, "", "", "no [frontend:NAME] section: there is nothing to serve");
  check_frontends(frontends, pools, check_references, errors);
  check_pools(frontends, pools, check_references, errors);
  check_binds(frontends, errors);
  check_http(frontends, pools, check_references, errors);
  check_vrrp(live(parsed.vrrp), pools, check_references, errors);
}

}  // namespace tandem::conf
