#pragma once
// The socket VRRP adverts travel on: a raw IPv4 socket of protocol 112
// (RFC 5798 5.1), one per interface, shared by every instance on it (the
// driver demultiplexes by VRID).
//
// Opened with: SO_BINDTODEVICE to the interface (adverts from other links
// never arrive), IP_TTL and IP_MULTICAST_TTL 255, IP_MULTICAST_IF the
// interface, IP_MULTICAST_LOOP off, IP_MULTICAST_ALL off, IP_TOS 0xC0
// (network control), non-blocking, close-on-exec; joined to 224.0.0.18 on
// the interface when `join_multicast`. The socket is never bound to an
// address (a bound raw socket would filter out the multicast adverts);
// send() sets the source address per packet with IP_PKTINFO instead, so
// the checksum's pseudo-header and the IP header agree.
//
// Threading: one thread at a time (the VRRP thread).

#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

class AdvertSocket {
 public:
  // Needs CAP_NET_RAW. Errors name the interface and the failing call.
  static base::Result<AdvertSocket> open(const std::string& interface, int ifindex, bool join_multicast);

  AdvertSocket(AdvertSocket&&) noexcept = default;
  AdvertSocket& operator=(AdvertSocket&&) noexcept = default;

  int fd() const { return fd_.get(); }

  // Sends one VRRP message (from encode(), same source and destination)
  // from `source` to `destination` (host byte order). Never blocks; an
  // error (e.g. ENETDOWN, EAGAIN) is returned, not retried.
  base::Status send(std::span<const uint8_t> message, Ipv4 source, Ipv4 destination);

  // Reads one pending packet, IP header included, into `buffer`. Returns
  // its length, 0 when nothing is pending, or an error. A packet longer
  // than the buffer is truncated (and will fail parsing as BadIpHeader).
  base::Result<size_t> receive(std::span<uint8_t> buffer);

 private:
  explicit AdvertSocket(base::UniqueFd fd, int ifindex, std::string interface = {})
      : fd_(std::move(fd)), ifindex_(ifindex), interface_(std::move(interface)) {}
  base::UniqueFd fd_;
  int ifindex_ = 0;
  std::string interface_;  // for error messages
};

}  // namespace tandem::vrrp
