#include "daemon/proxy/server_connect.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tandem::proxy {

ConnectStart start_connect(const base::SocketAddress& to) {
  ConnectStart c;
  c.fd.reset(::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!c.fd) {
    c.error = errno;
    c.what = "socket";
    return c;
  }
  int one = 1;
  setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(c.fd.get(), to.get(), to.size()) == 0) {
    c.connected = true;
  } else if (errno != EINPROGRESS) {
    c.error = errno;
    c.what = "connect";
    c.fd.reset();
  }
  return c;
}

std::string connect_failure_reason(int error, const char* what, conf::Millis timeout_connect) {
  if (error == ETIMEDOUT && strcmp(what, "timeout") == 0)
    return "connect timeout after " + std::to_string(timeout_connect.count()) + "ms";
  return std::string(what) + ": " + strerror(error);
}

}  // namespace tandem::proxy
