#pragma once
// Adds and removes the virtual addresses on an interface through
// rtnetlink (libnl-route-3), as `ip addr add/del` would. One netlink
// socket, opened once; each call is a synchronous request + ACK (local,
// fast: well under a millisecond).
//
// Threading: one thread at a time (the VRRP thread).

#include <netlink/socket.h>

#include <vector>

#include "base/c_ptr.h"
#include "base/result.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

struct VipAddress {
  Ipv4 address = 0;
  int prefix_len = 32;
  bool operator==(const VipAddress&) const = default;
};

class VipManager {
 public:
  // Connects a NETLINK_ROUTE socket. Needs CAP_NET_ADMIN for add/remove.
  static base::Result<VipManager> open();

  VipManager(VipManager&&) noexcept = default;
  VipManager& operator=(VipManager&&) noexcept = default;

  // Adds `vip` to interface `ifindex` (scope global, label none). Already
  // present counts as success. The error names the address and the reason.
  base::Status add(int ifindex, const VipAddress& vip);

  // Removes it (same address and prefix length as added); absent counts
  // as success, and so does an interface that no longer exists.
  base::Status remove(int ifindex, const VipAddress& vip);

  // Whether `address` is on interface `ifindex` now (any prefix length).
  base::Result<bool> present(int ifindex, Ipv4 address);

 private:
  explicit VipManager(base::CPtr<nl_sock, nl_socket_free> sock) : sock_(std::move(sock)) {}
  base::CPtr<nl_sock, nl_socket_free> sock_;
};

}  // namespace tandem::vrrp
