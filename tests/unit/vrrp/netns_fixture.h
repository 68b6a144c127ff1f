#pragma once
// Private network namespaces for the tests of vrrp/'s kernel-facing parts
// (links, addresses, raw and packet sockets), so nothing ever touches the
// host's namespace.
//
// A network namespace belongs to a thread, not to the process: a thread
// that unshares (or setns) moves alone, the test's main thread and the
// rest of the process stay where they were. So every namespace test runs
// its body on a thread of its own:
//
//   if (!testing::netns_available()) return;        // not root: skipped
//   testing::in_new_netns([] {
//     testing::add_veth("va", "vb");                  // in this namespace
//     testing::set_link_up("va", true);
//     ...BOOST_CHECK / BOOST_REQUIRE as usual...
//   });
//
// For two hosts on one wire, make a second namespace and put one end in
// it; wire_to_new_netns() does it all (addresses, up, carrier):
//
//   auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
//   peer.run([] { ...sockets on vb... });
//
// Sockets keep the namespace they were created in, whichever thread uses
// them later: create a socket inside peer.run() and use it from the body.
// A namespace disappears (with its links) when its last thread, fd and
// socket are gone: no cleanup needed.
//
// Why libnl and not `ip`: system("ip ...") would run in the process's
// namespace (the host's), not the thread's. The helpers below act in the
// calling thread's namespace and throw std::runtime_error on failure (the
// test fails with the reason). Boost.Test is not thread-safe, but the
// test's thread only waits (join) while a body runs, so checks from the
// body are safe; whatever the body throws (a failed BOOST_REQUIRE too) is
// rethrown on the test's thread.
//
// Needs root (CAP_SYS_ADMIN for unshare/setns, CAP_NET_ADMIN inside).
// The kernel needs veth (dummy links are not assumed: some kernels lack
// CONFIG_DUMMY).

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/c_ptr.h"
#include "base/unique_fd.h"

namespace tandem::vrrp::testing {

// True if namespace tests can run here (root). If not, says so in the
// test log; the test then returns without checking anything.
inline bool netns_available() {
  if (geteuid() == 0) return true;
  BOOST_TEST_MESSAGE("skipped: needs root for a private network namespace");
  return false;
}

[[noreturn]] inline void fail(const std::string& what, int err_no) {
  throw std::runtime_error(what + ": " + std::strerror(err_no));
}
[[noreturn]] inline void nl_fail(const std::string& what, int nl_err) {
  throw std::runtime_error(what + ": " + nl_geterror(nl_err));
}

// A network namespace kept alive by an fd on /proc/thread-self/ns/net.
class NetNs {
 public:
  // A fresh namespace (only `lo`, brought up), made on a short-lived
  // helper thread: the caller's namespace is untouched.
  static NetNs create();

  int fd() const { return fd_.get(); }

  // Runs `body` on a new thread inside this namespace and waits for it;
  // rethrows what `body` threw.
  void run(const std::function<void()>& body) const;

 private:
  explicit NetNs(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;
};

// Runs `body` on a new thread and waits for it; rethrows what it threw.
inline void run_on_thread(const std::function<void()>& body) {
  std::exception_ptr thrown;
  std::thread t([&] {
    try {
      body();
    } catch (...) {
      thrown = std::current_exception();
    }
  });
  t.join();
  if (thrown) std::rethrow_exception(thrown);
}

// A NETLINK_ROUTE libnl socket in the calling thread's namespace.
using NlSock = base::CPtr<nl_sock, nl_socket_free>;
inline NlSock route_socket() {
  NlSock sock(nl_socket_alloc());
  if (!sock) throw std::runtime_error("nl_socket_alloc failed");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) nl_fail("nl_connect", err);
  return sock;
}

using Link = base::CPtr<rtnl_link, rtnl_link_put>;
inline Link get_link(nl_sock* sock, const std::string& name) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); err < 0) nl_fail("no link '" + name + "'", err);
  return Link(raw);
}

// The index of link `name` in the calling thread's namespace.
inline int ifindex_of(const std::string& name) {
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) fail("if_nametoindex(" + name + ")", errno);
  return static_cast<int>(index);
}

// Applies `edit` to an empty change request for link `name`.
inline void change_link(const std::string& name, const std::function<void(rtnl_link*)>& edit) {
  auto sock = route_socket();
  Link current = get_link(sock.get(), name);
  Link change(rtnl_link_alloc());
  edit(change.get());
  if (int err = rtnl_link_change(sock.get(), current.get(), change.get(), 0); err < 0)
    nl_fail("change link '" + name + "'", err);
}

// Creates the veth pair `name` <-> `peer` in the calling thread's
// namespace; the peer end is created in `peer_ns` when given (beware: in
// two fresh namespaces both ends then get ifindex 2, which delays their
// carrier by ~1 s; see wire_to_new_netns).
inline void add_veth(const std::string& name, const std::string& peer, const NetNs* peer_ns = nullptr) {
  auto sock = route_socket();
  Link link(rtnl_link_veth_alloc());
  if (!link) throw std::runtime_error("rtnl_link_veth_alloc failed");
  rtnl_link_set_name(link.get(), name.c_str());
  Link peer_link(rtnl_link_veth_get_peer(link.get()));  // a reference of our own
  rtnl_link_set_name(peer_link.get(), peer.c_str());
  if (peer_ns != nullptr) rtnl_link_set_ns_fd(peer_link.get(), peer_ns->fd());
  if (int err = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
    nl_fail("add veth " + name + " <-> " + peer, err);
}

// Moves link `name` from the calling thread's namespace into `ns`.
inline void move_link(const std::string& name, const NetNs& ns) {
  change_link(name, [&](rtnl_link* c) { rtnl_link_set_ns_fd(c, ns.fd()); });
}

// ip link set NAME up|down.
inline void set_link_up(const std::string& name, bool up) {
  change_link(name, [&](rtnl_link* c) {
    if (up)
      rtnl_link_set_flags(c, IFF_UP);
    else
      rtnl_link_unset_flags(c, IFF_UP);
  });
}

// ip link add NAME type bridge.
inline void add_bridge(const std::string& name) {
  auto sock = route_socket();
  Link link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  if (int err = rtnl_link_set_type(link.get(), "bridge"); err < 0) nl_fail("bridge type", err);
  if (int err = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
    nl_fail("add bridge " + name, err);
}

// ip link set NAME master MASTER, or nomaster when `master` is empty.
inline void set_master(const std::string& name, const std::string& master) {
  int master_index = master.empty() ? 0 : ifindex_of(master);
  change_link(name, [&](rtnl_link* c) { rtnl_link_set_master(c, master_index); });
}

// ip link del NAME (a veth's peer goes with it).
inline void delete_link(const std::string& name) {
  auto sock = route_socket();
  Link link = get_link(sock.get(), name);
  if (int err = rtnl_link_delete(sock.get(), link.get()); err < 0) nl_fail("delete link '" + name + "'", err);
}

// ip addr add CIDR dev NAME (e.g. "10.9.0.1/24").
inline void add_address(const std::string& name, const std::string& cidr) {
  auto sock = route_socket();
  nl_addr* raw = nullptr;
  if (int err = nl_addr_parse(cidr.c_str(), AF_INET, &raw); err < 0) nl_fail("parse '" + cidr + "'", err);
  base::CPtr<nl_addr, nl_addr_put> local(raw);
  base::CPtr<rtnl_addr, rtnl_addr_put> addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(get_link(sock.get(), name).get()));
  rtnl_addr_set_local(addr.get(), local.get());
  if (int err = rtnl_addr_add(sock.get(), addr.get(), 0); err < 0) nl_fail("add " + cidr + " to " + name, err);
}


// "10.9.0.1/24" for every IPv4 address of `ifindex`, from a raw
// RTM_GETADDR dump (no libnl: an independent view of what the kernel has).
inline std::vector<std::string> ipv4_addresses_of(int ifindex) {
  base::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) fail("socket(AF_NETLINK)", errno);
  struct {
    nlmsghdr h;
    ifaddrmsg a;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETADDR;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.a.ifa_family = AF_INET;
  if (::send(fd.get(), &req, sizeof req, 0) < 0) fail("send RTM_GETADDR", errno);
  std::vector<std::string> out;
  alignas(nlmsghdr) static thread_local char buf[64 * 1024];
  for (int rounds = 0; rounds < 1000; ++rounds) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) fail("recv RTM_GETADDR", errno);
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return out;
      if (h->nlmsg_type == NLMSG_ERROR) throw std::runtime_error("RTM_GETADDR dump failed");
      if (h->nlmsg_type != RTM_NEWADDR) continue;
      auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(h));
      if (ifa->ifa_family != AF_INET || static_cast<int>(ifa->ifa_index) != ifindex) continue;
      int rta_len = static_cast<int>(IFA_PAYLOAD(h));
      for (auto* rta = IFA_RTA(ifa); RTA_OK(rta, rta_len); rta = RTA_NEXT(rta, rta_len)) {
        if (rta->rta_type != IFA_LOCAL || RTA_PAYLOAD(rta) != 4) continue;
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, RTA_DATA(rta), text, sizeof text);
        out.push_back(std::string(text) + "/" + std::to_string(ifa->ifa_prefixlen));
      }
    }
  }
  throw std::runtime_error("RTM_GETADDR dump did not end");
}

// Waits until `fd` is readable or `limit` passed; true if readable.
inline bool wait_readable(int fd, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) fail("poll", errno);
  }
}

// The IFF_* flags of link `name` (SIOCGIFFLAGS), IFF_RUNNING included.
inline unsigned link_flags(const std::string& name) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd.get(), SIOCGIFFLAGS, &req) != 0) fail("SIOCGIFFLAGS " + name, errno);
  return static_cast<unsigned short>(req.ifr_flags);
}

// Waits until link `name` has IFF_RUNNING (carrier), or throws after
// `limit`. The kernel sets operational state from a deferred work item
// (linkwatch), so it trails "ip link set up" by up to a second.
inline void wait_link_running(const std::string& name, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!(link_flags(name) & IFF_RUNNING)) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(name + " never got IFF_RUNNING");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

inline NetNs NetNs::create() {
  base::UniqueFd fd;
  run_on_thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) fail("unshare(CLONE_NEWNET)", errno);
    fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd) fail("open /proc/thread-self/ns/net", errno);
    set_link_up("lo", true);
  });
  return NetNs(std::move(fd));
}

inline void NetNs::run(const std::function<void()>& body) const {
  run_on_thread([&] {
    if (::setns(fd_.get(), CLONE_NEWNET) != 0) fail("setns", errno);
    body();
  });
}

// Runs `body` on a new thread inside a new network namespace.
inline void in_new_netns(const std::function<void()>& body) { NetNs::create().run(body); }

// Two hosts on one wire: a veth pair from the calling thread's namespace
// (`name`, address `cidr`) to a new namespace (`peer_name`, `peer_cidr`),
// both ends up and running. Returns the peer's namespace.
inline NetNs wire_to_new_netns(const std::string& name, const std::string& cidr, const std::string& peer_name,
                               const std::string& peer_cidr) {
  NetNs peer = NetNs::create();
  // Made here then moved (not made there): the ends keep different
  // ifindexes (2 and 3). Made in two fresh namespaces, both would be 2,
  // and the kernel's linkwatch, which treats a link whose peer index
  // equals its own as not urgent, would delay carrier by a second.
  add_veth(name, peer_name);
  move_link(peer_name, peer);
  add_address(name, cidr);
  set_link_up(name, true);
  peer.run([&] {
    add_address(peer_name, peer_cidr);
    set_link_up(peer_name, true);
    wait_link_running(peer_name);
  });
  wait_link_running(name);
  return peer;
}

}  // namespace tandem::vrrp::testing
