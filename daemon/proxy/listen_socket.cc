#include "daemon/proxy/listen_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace tandem::proxy {
namespace {

base::Error sys_error(const char* what, const base::SocketAddress& a) {
  return base::make_error(std::string(what) + " " + a.to_string() + ": " + strerror(errno));
}

}  // namespace

base::Status ListenSocket::check_unused(const base::SocketAddress& address) {
  base::UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket", address);
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT leftovers are fine
  if (address.family() == AF_INET6) {
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
  } else {
    setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  }
  if (::bind(fd.get(), address.get(), address.size()) != 0) {
    if (errno == EADDRINUSE)
      return base::make_error("bind " + address.to_string() + ": address already in use (is another process listening on it?)");
    return sys_error("bind", address);
  }
  return {};
}

base::Result<std::shared_ptr<ListenSocket>> ListenSocket::open(const base::SocketAddress& address, int backlog) {
  base::UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket", address);
  int one = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return sys_error("SO_REUSEADDR", address);
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return sys_error("SO_REUSEPORT", address);
  if (address.family() == AF_INET6) {
    // [::]:80 and 0.0.0.0:80 are separate binds in Tandem's config.
    if (setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) return sys_error("IPV6_V6ONLY", address);
    if (setsockopt(fd.get(), IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one) != 0) return sys_error("IPV6_FREEBIND", address);
  } else {
    if (setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one) != 0) return sys_error("IP_FREEBIND", address);
  }
  // Inherited by accepted sockets: the relay forwards whatever arrives at once.
  if (setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) return sys_error("TCP_NODELAY", address);
  if (::bind(fd.get(), address.get(), address.size()) != 0) return sys_error("bind", address);
  if (::listen(fd.get(), backlog) != 0) return sys_error("listen", address);
  return std::shared_ptr<ListenSocket>(new ListenSocket(std::move(fd), address));
}

}  // namespace tandem::proxy
