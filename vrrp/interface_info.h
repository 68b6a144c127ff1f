#pragma once
// What VRRP needs to know about a network interface, read once (at
// start, and again when the link comes back): its index, its MAC, its
// first IPv4 address (the "primary address" adverts are sent from) and
// whether the link is up (IFF_UP and IFF_RUNNING).
//
// Threading: any thread; each call opens what it needs and closes it.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

struct InterfaceInfo {
  std::string name;
  int ifindex = 0;
  std::array<uint8_t, 6> mac{};
  Ipv4 primary_address = 0;  // 0 when the interface has no IPv4 address
  bool link_up = false;
};

// Looks `name` up in the calling thread's network namespace. `exclude` are
// addresses never taken as the primary one (the VIPs a killed predecessor
// may have left behind). The primary is the first remaining address in
// the kernel's order, primaries (IFA_F_SECONDARY unset) before
// secondaries. Errors: "no such interface 'eth9'", ...
base::Result<InterfaceInfo> read_interface(const std::string& name, std::span<const Ipv4> exclude = {});

}  // namespace tandem::vrrp
