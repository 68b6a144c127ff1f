#include "vrrp/link_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace tandem::vrrp {
namespace {

// Datagrams read per drain() call at most: a storm of link events cannot
// hold the VRRP loop; the fd stays readable and the rest comes next turn.
constexpr int kMaxDatagramsPerDrain = 256;
// Room for one datagram: link messages are a few KiB (more with many VFs);
// a longer one arrives truncated and only its ifinfomsg is read.
constexpr size_t kBufferSize = 32 * 1024;
// Asked for so a burst of events (a bond going down with its slaves) fits;
// the kernel caps it at net.core.rmem_max.
constexpr int kReceiveBuffer = 1 << 20;

// Messages are parsed by hand: only the fixed ifinfomsg header is needed
// (index, flags), which libnl's object parser would wrap in allocations.
// Only AF_UNSPEC link messages describe a device; AF_BRIDGE ones (a port
// joining or leaving a bridge, where RTM_DELLINK does not mean the device
// is gone) are ignored.
void handle(const nlmsghdr* h, size_t len, const std::function<void(int, bool)>& on_link) {
  if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) return;
  if (len < NLMSG_LENGTH(sizeof(ifinfomsg))) return;
  ifinfomsg ifi;
  std::memcpy(&ifi, NLMSG_DATA(h), sizeof ifi);
  if (ifi.ifi_family != AF_UNSPEC || ifi.ifi_index <= 0) return;
  bool up = h->nlmsg_type == RTM_NEWLINK && (ifi.ifi_flags & IFF_UP) && (ifi.ifi_flags & IFF_RUNNING);
  on_link(ifi.ifi_index, up);
}

}  // namespace

base::Result<LinkMonitor> LinkMonitor::open() {
  base::CPtr<nl_sock, nl_socket_free> sock(nl_socket_alloc());
  if (!sock) return base::make_error("link monitor: cannot allocate a netlink socket");
  // Events carry the kernel's sequence numbers, not ours.
  nl_socket_disable_seq_check(sock.get());
  int err = nl_connect(sock.get(), NETLINK_ROUTE);
  if (err < 0) return base::make_error(std::string("link monitor: netlink connect: ") + nl_geterror(err));
  int fd = nl_socket_get_fd(sock.get());
  fcntl(fd, F_SETFD, FD_CLOEXEC);  // whatever the libnl version did
  err = nl_socket_add_membership(sock.get(), RTNLGRP_LINK);
  if (err < 0) return base::make_error(std::string("link monitor: join RTNLGRP_LINK: ") + nl_geterror(err));
  err = nl_socket_set_nonblocking(sock.get());
  if (err < 0) return base::make_error(std::string("link monitor: non-blocking: ") + nl_geterror(err));
  // Best effort: a smaller buffer only makes ENOBUFS likelier, which
  // drain() reports so the caller re-reads every link.
  nl_socket_set_buffer_size(sock.get(), kReceiveBuffer, 0);
  return LinkMonitor(std::move(sock));
}

int LinkMonitor::fd() const { return nl_socket_get_fd(sock_.get()); }

base::Status LinkMonitor::drain(const std::function<void(int ifindex, bool up)>& on_link) {
  alignas(nlmsghdr) std::array<uint8_t, kBufferSize> buf;
  for (int i = 0; i < kMaxDatagramsPerDrain; ++i) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof from;
    ssize_t n = ::recvfrom(fd(), buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
      if (errno == EINTR) continue;
      if (errno == ENOBUFS)
        return base::make_error("link monitor: netlink receive buffer overrun (ENOBUFS), link events were lost");
      return base::make_error(std::string("link monitor: recv: ") + std::strerror(errno));
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks for links
    size_t total = std::min(static_cast<size_t>(n), buf.size());
    size_t off = 0;
    while (off + sizeof(nlmsghdr) <= total) {
      auto* h = reinterpret_cast<const nlmsghdr*>(buf.data() + off);
      if (h->nlmsg_len < sizeof(nlmsghdr)) break;
      if (h->nlmsg_type == NLMSG_OVERRUN)
        return base::make_error("link monitor: netlink overrun, link events were lost");
      handle(h, std::min<size_t>(h->nlmsg_len, total - off), on_link);
      off += NLMSG_ALIGN(h->nlmsg_len);
    }
  }
  return {};
}

}  // namespace tandem::vrrp
