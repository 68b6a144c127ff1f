// The keys of [vrrp] and [vrrp:NAME] (one VRRPv3 virtual router each).

#include <string>

#include "base/ipv4.h"
#include "conf/key_rules.h"
#include "conf/keywords.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

// RFC 5798: the advert interval is 12 bits of centiseconds.
constexpr int64_t kMaxAdvertMs = 4095 * 10;

base::Result<uint32_t> parse_ipv4(std::string_view v) {
  uint32_t a = 0;
  if (!base::parse_ipv4(v, a)) return make_error("expected an IPv4 address such as 10.0.0.100, got " + quote(v));
  return a;
}

Status set_interface(VrrpConf& c, std::string_view v, const KeyContext&) {
  // IFNAMSIZ is 16 including the NUL; names hold no '/', spaces or ':'.
  if (v.size() > 15) return make_error("interface name " + quote(v) + " is too long (at most 15 characters)");
  if (v.find_first_of("/: \t") != std::string_view::npos || v == "." || v == "..")
    return make_error("not an interface name: " + quote(v));
  c.interface = std::string(v);
  return {};
}

Status set_advert_interval(VrrpConf& c, std::string_view v, const KeyContext&) {
  auto d = parse_duration_in(v, Millis(10), Millis(kMaxAdvertMs));
  if (!d) return d.error();
  if (d->count() % 10 != 0)
    return make_error("must be a whole number of centiseconds (VRRPv3 sends it in units of 10ms), got " + quote(v));
  c.advert_interval = *d;
  return {};
}

// `vip = A.B.C.D[/N]`
Status add_vip(VrrpConf& c, std::string_view v, const KeyContext&) {
  size_t slash = v.find('/');
  auto address = parse_ipv4(v.substr(0, slash));
  if (!address) return address.error();
  VipConf vip;
  vip.address = *address;
  if (slash != std::string_view::npos) {
    auto n = parse_count(v.substr(slash + 1), 0, 32);
    if (!n) return make_error("bad prefix length in " + quote(v) + ": " + n.error().message);
    vip.prefix_len = static_cast<int>(*n);
  }
  vip.text = std::string(v.substr(0, slash)) + "/" + std::to_string(vip.prefix_len);
  for (const auto& other : c.vips)
    if (other.address == vip.address) return make_error(quote(v) + " is listed twice");
  c.vips.push_back(std::move(vip));
  return {};
}

Status add_unicast_peer(VrrpConf& c, std::string_view v, const KeyContext&) {
  auto a = parse_ipv4(v);
  if (!a) return a.error();
  c.unicast_peers.push_back(*a);
  return {};
}

Status set_source_address(VrrpConf& c, std::string_view v, const KeyContext&) {
  auto a = parse_ipv4(v);
  if (!a) return a.error();
  c.source_address = *a;
  return {};
}

Status add_track_pool(VrrpConf& c, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "pool name"); !s) return s;
  c.track_pools.emplace_back(v);
  return {};
}

template <auto Member>
Status set_command(VrrpConf& c, std::string_view v, const KeyContext&) {
  c.*Member = std::string(v);
  return {};
}

constexpr KeyRule<VrrpConf> kVrrpKeys[] = {
    {"interface", kSingle, set_interface},
    {"vrid", kSingle, set_count<VrrpConf, &VrrpConf::vrid, 1, 255>},
    {"priority", kSingle, set_count<VrrpConf, &VrrpConf::priority, 1, 255>},
    {"advert_interval", kSingle, set_advert_interval},
    {"preempt", kSingle, set_bool<VrrpConf, &VrrpConf::preempt>},
    {"preempt_delay", kSingle, set_duration<VrrpConf, &VrrpConf::preempt_delay, 0, kHour>},
    {"accept_mode", kSingle, set_bool<VrrpConf, &VrrpConf::accept_mode>},
    {"vip", kList, add_vip},
    {"unicast_peer", kList, add_unicast_peer},
    {"source_address", kSingle, set_source_address},
    {"garp_count", kSingle, set_count<VrrpConf, &VrrpConf::garp_count, 0, 100>},
    {"garp_interval", kSingle, set_duration<VrrpConf, &VrrpConf::garp_interval, 0, 10 * kSecond>},
    {"garp_delay", kSingle, set_duration<VrrpConf, &VrrpConf::garp_delay, 0, kHour>},
    {"garp_refresh", kSingle, set_duration<VrrpConf, &VrrpConf::garp_refresh, 0, 24 * kHour>},
    {"track_pool", kList, add_track_pool},
    {"track_penalty", kSingle, set_count<VrrpConf, &VrrpConf::track_penalty, 1, 254>},
    {"notify_master", kSingle, set_command<&VrrpConf::notify_master>},
    {"notify_backup", kSingle, set_command<&VrrpConf::notify_backup>},
    {"notify_fault", kSingle, set_command<&VrrpConf::notify_fault>},
    {"notify", kSingle, set_command<&VrrpConf::notify>},
    {"failover_hold", kSingle, set_duration<VrrpConf, &VrrpConf::failover_hold, 0, 24 * kHour>},
};

}  // namespace

std::span<const KeyRule<VrrpConf>> vrrp_keys() { return kVrrpKeys; }

}  // namespace tandem::conf
