#include "base/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

namespace tandem::base {
namespace {

Result<uint16_t> parse_port(std::string_view s) {
  if (s.empty()) return make_error("missing port");
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return make_error("bad port '" + std::string(s) + "'");
    v = v * 10 + static_cast<unsigned long>(c - '0');
    if (v > 65535) return make_error("port out of range '" + std::string(s) + "'");
  }
  if (v == 0) return make_error("port out of range '0'");
  return static_cast<uint16_t>(v);
}

}  // namespace

Result<SocketAddress> SocketAddress::parse(std::string_view text, bool resolve) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return make_error("missing ']' in '" + std::string(text) + "'");
    host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return make_error("missing port in '" + std::string(text) + "'");
    port_text = rest.substr(1);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error("missing port in '" + std::string(text) + "'");
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos)
      return make_error("IPv6 address must be in brackets: '" + std::string(text) + "'");
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) return make_error("missing host in '" + std::string(text) + "'");
  auto port = parse_port(port_text);
  if (!port) return port.error();

  SocketAddress out;
  if (host == "*") host = "0.0.0.0";
  auto* in4 = reinterpret_cast<sockaddr_in*>(&out.ss_);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.ss_);
  if (inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(*port);
    out.len_ = sizeof(sockaddr_in);
    return out;
  }
  if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(*port);
    out.len_ = sizeof(sockaddr_in6);
    return out;
  }
  if (!resolve) return make_error("bad address '" + host + "'");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) return make_error("cannot resolve host '" + host + "': " + gai_strerror(rc));
  out = from_sockaddr(res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (out.is_ipv4())
    in4->sin_port = htons(*port);
  else
    in6->sin6_port = htons(*port);
  return out;
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) {
  SocketAddress out;
  if (len > sizeof(out.ss_)) len = sizeof(out.ss_);
  std::memcpy(&out.ss_, sa, len);
  out.len_ = len;
  return out;
}

std::optional<SocketAddress> SocketAddress::from_bytes(std::string_view bytes, uint16_t port) {
  SocketAddress out;
  if (bytes.size() == 4) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out.ss_);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    std::memcpy(&in4->sin_addr, bytes.data(), 4);
    out.len_ = sizeof(sockaddr_in);
    return out;
  }
  if (bytes.size() == 16) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.ss_);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, bytes.data(), 16);
    out.len_ = sizeof(sockaddr_in6);
    return out;
  }
  return std::nullopt;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_port);
  return 0;
}

std::string SocketAddress::host_string() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string SocketAddress::to_string() const {
  if (family() == AF_INET6) return "[" + host_string() + "]:" + std::to_string(port());
  return host_string() + ":" + std::to_string(port());
}

std::string_view SocketAddress::address_bytes() const {
  if (family() == AF_INET) {
    const auto* a = &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr;
    return {reinterpret_cast<const char*>(a), 4};
  }
  if (family() == AF_INET6) {
    const auto* a = &reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr;
    return {reinterpret_cast<const char*>(a), 16};
  }
  return {};
}

bool SocketAddress::operator==(const SocketAddress& other) const {
  return family() == other.family() && port() == other.port() && address_bytes() == other.address_bytes();
}

std::optional<uint32_t> SocketAddress::ipv4() const {
  if (!is_ipv4()) return std::nullopt;
  return ntohl(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr.s_addr);
}

}  // namespace tandem::base
