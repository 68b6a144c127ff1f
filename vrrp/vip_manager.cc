#include "vrrp/vip_manager.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <cstring>
#include <string>

#include "vrrp/interface_info.h"

namespace tandem::vrrp {
namespace {

using Addr = base::CPtr<rtnl_addr, rtnl_addr_put>;
using NlAddr = base::CPtr<nl_addr, nl_addr_put>;
using NlCache = base::CPtr<nl_cache, nl_cache_free>;

std::string describe(int ifindex, const VipAddress& vip) {
  return format_ipv4(vip.address) + "/" + std::to_string(vip.prefix_len) + " on ifindex " +
         std::to_string(ifindex);
}

// The request object for `vip` on `ifindex`: local = address, the
// prefix length, scope global (the kernel's default for RTM_NEWADDR).
base::Result<Addr> make_addr(int ifindex, const VipAddress& vip) {
  if (vip.prefix_len < 0 || vip.prefix_len > 32)
    return base::make_error("VIP " + describe(ifindex, vip) + ": bad prefix length");
  Addr addr(rtnl_addr_alloc());
  uint32_t be = htonl(vip.address);
  NlAddr local(nl_addr_build(AF_INET, &be, sizeof be));
  if (!addr || !local) return base::make_error("VIP " + describe(ifindex, vip) + ": out of memory");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  int err = rtnl_addr_set_local(addr.get(), local.get());  // takes its own reference
  if (err < 0) return base::make_error("VIP " + describe(ifindex, vip) + ": " + nl_geterror(err));
  rtnl_addr_set_prefixlen(addr.get(), vip.prefix_len);
  rtnl_addr_set_scope(addr.get(), RT_SCOPE_UNIVERSE);
  return addr;
}

}  // namespace

base::Result<VipManager> VipManager::open() {
  base::CPtr<nl_sock, nl_socket_free> sock(nl_socket_alloc());
  if (!sock) return base::make_error("VIP manager: cannot allocate a netlink socket");
  int err = nl_connect(sock.get(), NETLINK_ROUTE);
  if (err < 0) return base::make_error(std::string("VIP manager: netlink connect: ") + nl_geterror(err));
  // libnl opens with SOCK_CLOEXEC since 3.2.26; say it again so a notify
  // hook can never inherit the socket whatever the library version.
  fcntl(nl_socket_get_fd(sock.get()), F_SETFD, FD_CLOEXEC);
  return VipManager(std::move(sock));
}

base::Status VipManager::add(int ifindex, const VipAddress& vip) {
  auto addr = make_addr(ifindex, vip);
  if (!addr) return addr.error();
  // Without NLM_F_REPLACE an existing identical address is EEXIST, which
  // is success here; the existing one is left exactly as it was.
  int err = rtnl_addr_add(sock_.get(), addr->get(), 0);
  if (err == 0 || err == -NLE_EXIST) return {};
  return base::make_error("cannot add VIP " + describe(ifindex, vip) + ": " + nl_geterror(err));
}

base::Status VipManager::remove(int ifindex, const VipAddress& vip) {
  auto addr = make_addr(ifindex, vip);
  if (!addr) return addr.error();
  int err = rtnl_addr_delete(sock_.get(), addr->get(), 0);
  // EADDRNOTAVAIL (NLE_NOADDR): not there. ENODEV: the interface is gone,
  // and its addresses with it. Both mean "absent", which is success.
  if (err == 0 || err == -NLE_NOADDR || err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return {};
  return base::make_error("cannot remove VIP " + describe(ifindex, vip) + ": " + nl_geterror(err));
}

base::Result<bool> VipManager::present(int ifindex, Ipv4 address) {
  nl_cache* raw = nullptr;
  int err = rtnl_addr_alloc_cache(sock_.get(), &raw);
  if (err < 0)
    return base::make_error("cannot list addresses to find " + format_ipv4(address) + " on ifindex " +
                            std::to_string(ifindex) + ": " + nl_geterror(err));
  NlCache cache(raw);
  uint32_t be = htonl(address);
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_family(a) != AF_INET || rtnl_addr_get_ifindex(a) != ifindex) continue;
    nl_addr* local = rtnl_addr_get_local(a);
    if (local != nullptr && nl_addr_get_len(local) == 4 && std::memcmp(nl_addr_get_binary_addr(local), &be, 4) == 0)
      return true;
  }
  return false;
}

}  // namespace tandem::vrrp
