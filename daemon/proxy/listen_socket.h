#pragma once
// A listening TCP socket as the proxy uses it: non-blocking, SO_REUSEPORT so
// every worker has its own socket on the same address (the kernel spreads
// new connections over them), and IP_FREEBIND so an address that is not on
// the box yet (a VIP owned by the peer) can be bound and starts serving the
// moment it arrives. Closed when the last owner lets go.

#include <memory>

#include "base/result.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"

namespace tandem::proxy {

class ListenSocket {
 public:
  // Creates, binds and listens. Errors name the address and the cause,
  // e.g. "bind 127.0.0.1:80: Address already in use".
  static base::Result<std::shared_ptr<ListenSocket>> open(const base::SocketAddress& address, int backlog);

  // Fails if something already listens on `address` — including another
  // process with SO_REUSEPORT, which open() alone would silently share the
  // port with (a second tandemd started by mistake would then get half of
  // the new connections). A bind without SO_REUSEPORT is the probe.
  static base::Status check_unused(const base::SocketAddress& address);

  int fd() const { return fd_.get(); }
  const base::SocketAddress& address() const { return address_; }

 private:
  ListenSocket(base::UniqueFd fd, const base::SocketAddress& address) : fd_(std::move(fd)), address_(address) {}
  base::UniqueFd fd_;
  base::SocketAddress address_;
};

}  // namespace tandem::proxy
