#pragma once
// Gratuitous ARP (RFC 5227 "ARP Announcement"): an ARP request broadcast
// to ff:ff:ff:ff:ff:ff with sender and target protocol address both the
// VIP and the interface's MAC as sender hardware address, so switches and
// neighbours learn where the VIP now lives. Sent through an AF_PACKET
// SOCK_DGRAM socket bound to the interface.
//
// Threading: one thread at a time (the VRRP thread).

#include <array>
#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vrrp/packet.h"

namespace tandem::vrrp {

class GarpSender {
 public:
  // Needs CAP_NET_RAW. `mac` is the interface's hardware address.
  static base::Result<GarpSender> open(int ifindex, const std::array<uint8_t, 6>& mac);

  GarpSender(GarpSender&&) noexcept = default;
  GarpSender& operator=(GarpSender&&) noexcept = default;

  // Sends one announcement for `vip`. Never blocks.
  base::Status send(Ipv4 vip);

 private:
  GarpSender(base::UniqueFd fd, int ifindex, const std::array<uint8_t, 6>& mac)
      : fd_(std::move(fd)), ifindex_(ifindex), mac_(mac) {}
  base::UniqueFd fd_;
  int ifindex_ = 0;
  std::array<uint8_t, 6> mac_{};
};

}  // namespace tandem::vrrp
