#include "vrrp/interface_info.h"

// Read through rtnetlink with libnl-route-3 rather than ioctl/getifaddrs:
// - addresses are matched to the link by ifindex, not by name, so an
//   address carrying a label ("eth0:1", which getifaddrs reports under that
//   label) still belongs to eth0;
// - the dump returns every IPv4 address in the kernel's order (primaries
//   first), where SIOCGIFADDR gives only one, with no way to skip `exclude`;
// - it is the same library and namespace semantics as VipManager, so both
//   see the interface the same way.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/c_ptr.h"

namespace tandem::vrrp {
namespace {

using NlSock = base::CPtr<nl_sock, nl_socket_free>;
using NlCache = base::CPtr<nl_cache, nl_cache_free>;
using Link = base::CPtr<rtnl_link, rtnl_link_put>;

base::Result<NlSock> connect_route(const std::string& name) {
  NlSock sock(nl_socket_alloc());
  if (!sock) return base::make_error("interface '" + name + "': cannot allocate a netlink socket");
  int err = nl_connect(sock.get(), NETLINK_ROUTE);
  if (err < 0) return base::make_error("interface '" + name + "': netlink connect: " + nl_geterror(err));
  return sock;
}

// The IPv4 addresses of `ifindex` in dump order, secondaries after the
// primaries (a secondary is never the address adverts go out from).
base::Result<std::vector<Ipv4>> ipv4_addresses(nl_sock* sock, int ifindex, const std::string& name) {
  nl_cache* raw = nullptr;
  int err = rtnl_addr_alloc_cache(sock, &raw);
  if (err < 0) return base::make_error("interface '" + name + "': address dump: " + nl_geterror(err));
  NlCache cache(raw);
  std::vector<Ipv4> primaries, secondaries;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_family(a) != AF_INET || rtnl_addr_get_ifindex(a) != ifindex) continue;
    nl_addr* local = rtnl_addr_get_local(a);
    if (local == nullptr || nl_addr_get_len(local) != 4) continue;
    uint32_t be = 0;
    std::memcpy(&be, nl_addr_get_binary_addr(local), 4);
    auto& list = (rtnl_addr_get_flags(a) & IFA_F_SECONDARY) ? secondaries : primaries;
    list.push_back(ntohl(be));
  }
  primaries.insert(primaries.end(), secondaries.begin(), secondaries.end());
  return primaries;
}

}  // namespace

base::Result<InterfaceInfo> read_interface(const std::string& name, std::span<const Ipv4> exclude) {
  auto sock = connect_route(name);
  if (!sock) return sock.error();

  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(sock->get(), 0, name.c_str(), &raw);
  if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return base::make_error("no such interface '" + name + "'");
  if (err < 0) return base::make_error("interface '" + name + "': link query: " + nl_geterror(err));
  Link link(raw);

  InterfaceInfo info;
  info.name = name;
  info.ifindex = rtnl_link_get_ifindex(link.get());
  unsigned flags = rtnl_link_get_flags(link.get());
  info.link_up = (flags & IFF_UP) && (flags & IFF_RUNNING);
  if (nl_addr* mac = rtnl_link_get_addr(link.get()); mac != nullptr && nl_addr_get_len(mac) == info.mac.size())
    std::memcpy(info.mac.data(), nl_addr_get_binary_addr(mac), info.mac.size());

  auto addresses = ipv4_addresses(sock->get(), info.ifindex, name);
  if (!addresses) return addresses.error();
  for (Ipv4 a : *addresses) {
    if (std::find(exclude.begin(), exclude.end(), a) != exclude.end()) continue;
    info.primary_address = a;
    break;
  }
  return info;
}

}  // namespace tandem::vrrp
