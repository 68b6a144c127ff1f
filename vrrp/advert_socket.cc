#include "vrrp/advert_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cstring>

#include "vrrp/interface_info.h"

namespace tandem::vrrp {
namespace {

// "advert socket on 'eth0': setsockopt(IP_TTL): Operation not permitted"
base::Error failure(const std::string& interface, const char* call, int err) {
  return base::make_error("advert socket on '" + interface + "': " + call + ": " + std::strerror(err));
}

template <typename T>
bool set_option(int fd, int level, int name, const T& value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// The options of the header's contract, in order; the first failure is
// returned with the name of the call that failed.
base::Status configure(int fd, const std::string& interface, int ifindex, bool join_multicast) {
  if (interface.size() >= IFNAMSIZ) return failure(interface, "SO_BINDTODEVICE", ENAMETOOLONG);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) != 0)
    return failure(interface, "setsockopt(SO_BINDTODEVICE)", errno);
  const int ttl = kTtl;
  if (!set_option(fd, IPPROTO_IP, IP_TTL, ttl)) return failure(interface, "setsockopt(IP_TTL)", errno);
  if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl))
    return failure(interface, "setsockopt(IP_MULTICAST_TTL)", errno);
  ip_mreqn on_interface{};
  on_interface.imr_ifindex = ifindex;
  if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, on_interface))
    return failure(interface, "setsockopt(IP_MULTICAST_IF)", errno);
  const int off = 0;
  if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, off))
    return failure(interface, "setsockopt(IP_MULTICAST_LOOP)", errno);
  // Without this, a raw socket receives the groups every other socket
  // of the host joined too.
  if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_ALL, off))
    return failure(interface, "setsockopt(IP_MULTICAST_ALL)", errno);
  const int tos = IPTOS_PREC_INTERNETCONTROL;  // 0xC0, DSCP CS6, as keepalived sends
  if (!set_option(fd, IPPROTO_IP, IP_TOS, tos)) return failure(interface, "setsockopt(IP_TOS)", errno);
  if (join_multicast) {
    ip_mreqn group{};
    group.imr_multiaddr.s_addr = htonl(kMulticastGroup);
    group.imr_ifindex = ifindex;
    if (!set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, group))
      return failure(interface, "join 224.0.0.18 (IP_ADD_MEMBERSHIP)", errno);
  }
  return {};
}

}  // namespace

base::Result<AdvertSocket> AdvertSocket::open(const std::string& interface, int ifindex, bool join_multicast) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kProtocol));
  if (!fd) return failure(interface, "socket(AF_INET, SOCK_RAW, 112)", errno);
  auto configured = configure(fd.get(), interface, ifindex, join_multicast);
  if (!configured) return configured.error();
  return AdvertSocket(std::move(fd), ifindex, interface);
}

base::Status AdvertSocket::send(std::span<const uint8_t> message, Ipv4 source, Ipv4 destination) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(destination);
  iovec iov{const_cast<uint8_t*>(message.data()), message.size()};

  // IP_PKTINFO: the source address (ipi_spec_dst) and the interface of
  // this packet; the socket itself stays unbound.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = IPPROTO_IP;
  cmsg->cmsg_type = IP_PKTINFO;
  cmsg->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = ifindex_;
  info.ipi_spec_dst.s_addr = htonl(source);
  std::memcpy(CMSG_DATA(cmsg), &info, sizeof info);

  ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0)
    return base::make_error("advert from " + format_ipv4(source) + " to " + format_ipv4(destination) +
                            " on '" + interface_ + "': " + std::strerror(errno));
  return {};
}

base::Result<size_t> AdvertSocket::receive(std::span<uint8_t> buffer) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // EINTR only; bounded
    ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    if (errno != EINTR)
      return base::make_error("advert receive on '" + interface_ + "': " + std::strerror(errno));
  }
  return size_t{0};
}

}  // namespace tandem::vrrp
