#include "vrrp/garp_sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "vrrp/interface_info.h"

namespace tandem::vrrp {
namespace {

// The ARP payload for Ethernet/IPv4 (RFC 826); the kernel adds the
// Ethernet header from the sockaddr_ll of sendto().
constexpr size_t kArpSize = 28;

// The interface for an error message: its name if it still has one.
std::string where(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr) return std::string("interface '") + name + "'";
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace

base::Result<GarpSender> GarpSender::open(int ifindex, const std::array<uint8_t, 6>& mac) {
  // Protocol 0: the socket sends only. With ETH_P_ARP it would also queue
  // every ARP frame seen on the link, for nobody to read.
  base::UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::make_error("GARP on " + where(ifindex) + ": socket(AF_PACKET): " + std::strerror(errno));
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = ifindex;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)
    return base::make_error("GARP on " + where(ifindex) + ": bind: " + std::strerror(errno));
  return GarpSender(std::move(fd), ifindex, mac);
}

base::Status GarpSender::send(Ipv4 vip) {
  uint8_t frame[kArpSize];
  uint8_t* p = frame;
  auto put16 = [&p](uint16_t v) {
    *p++ = static_cast<uint8_t>(v >> 8);
    *p++ = static_cast<uint8_t>(v);
  };
  auto put_ip = [&p](Ipv4 a) {
    for (int shift = 24; shift >= 0; shift -= 8) *p++ = static_cast<uint8_t>(a >> shift);
  };
  put16(ARPHRD_ETHER);     // htype 1
  put16(ETHERTYPE_IP);     // ptype 0x0800
  *p++ = 6;                // hlen
  *p++ = 4;                // plen
  put16(ARPOP_REQUEST);    // an announcement is a request (RFC 5227 2.3)
  std::memcpy(p, mac_.data(), 6);  // sha
  p += 6;
  put_ip(vip);             // spa
  std::memset(p, 0, 6);    // tha: unknown, zero
  p += 6;
  put_ip(vip);             // tpa = spa

  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xFF, 6);
  ssize_t n = ::sendto(fd_.get(), frame, sizeof frame, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (n < 0)
    return base::make_error("GARP for " + format_ipv4(vip) + " on " + where(ifindex_) + ": " + std::strerror(errno));
  return {};
}

}  // namespace tandem::vrrp
