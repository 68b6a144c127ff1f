#pragma once
// An IPv4 or IPv6 socket address with parsing and printing in the forms
// operators write: "10.0.0.1:80", "[2001:db8::1]:443", "*:80" (any IPv4),
// "[::]:80" (any IPv6).

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tandem::base {

class SocketAddress {
 public:
  SocketAddress() = default;

  // Parses "HOST:PORT" where HOST is a literal address, "*", or (when
  // `resolve` is true) a name looked up once with getaddrinfo (blocking; for
  // config loading only). Error messages are short and operator-facing, e.g.
  // "missing port", "port out of range", "cannot resolve host 'x'".
  static Result<SocketAddress> parse(std::string_view host_port, bool resolve = false);

  // Builds from a raw address (e.g. from accept()).
  static SocketAddress from_sockaddr(const sockaddr* sa, socklen_t len);

  // The inverse of address_bytes(): 4 bytes IPv4, 16 bytes IPv6, with
  // `port`; nullopt for any other length (a sticky key that is a cookie).
  static std::optional<SocketAddress> from_bytes(std::string_view bytes, uint16_t port);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss_); }
  socklen_t size() const { return len_; }
  int family() const { return ss_.ss_family; }
  uint16_t port() const;
  bool is_ipv4() const { return family() == AF_INET; }

  // "10.0.0.1:80" / "[::1]:80".
  std::string to_string() const;
  // The address without port: "10.0.0.1" / "::1".
  std::string host_string() const;

  // An IPv4 address in host byte order (base/ipv4.h); nullopt for IPv6.
  std::optional<uint32_t> ipv4() const;

  // The raw address bytes (4 or 16), for hashing client addresses.
  std::string_view address_bytes() const;

  bool operator==(const SocketAddress& other) const;

 private:
  sockaddr_storage ss_{};
  socklen_t len_ = 0;
};

}  // namespace tandem::base
