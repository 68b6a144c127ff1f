#define BOOST_TEST_DYN_LINK
#include "vrrp/garp_sender.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <vector>

#include "tests/unit/vrrp/netns_fixture.h"
#include "vrrp/interface_info.h"

using namespace tandem;
using namespace tandem::vrrp;
using std::chrono::milliseconds;

namespace {

constexpr Ipv4 kVip = 0x0A090064;  // 10.9.0.100

// A capture of whole ARP frames (Ethernet header included) on `ifindex`,
// as tcpdump would see them.
base::UniqueFd arp_capture(int ifindex) {
  base::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP)));
  BOOST_REQUIRE(fd.valid());
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ARP);
  sll.sll_ifindex = ifindex;
  BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0);
  return fd;
}

// The next ARP frame whose sender protocol address is `spa`, or empty
// after 2 s (other ARP traffic on the wire is skipped; bounded).
std::vector<uint8_t> next_frame_from(int fd, Ipv4 spa) {
  for (int i = 0; i < 100; ++i) {
    if (!testing::wait_readable(fd, milliseconds(2000))) return {};
    std::vector<uint8_t> f(1600);
    ssize_t n = ::recv(fd, f.data(), f.size(), 0);
    if (n < 0) continue;
    f.resize(static_cast<size_t>(n));
    if (f.size() >= 42 && (Ipv4{f[28]} << 24 | Ipv4{f[29]} << 16 | Ipv4{f[30]} << 8 | f[31]) == spa) return f;
  }
  return {};
}

uint16_t u16(const std::vector<uint8_t>& f, size_t at) { return static_cast<uint16_t>(f[at] << 8 | f[at + 1]); }

}  // namespace

BOOST_AUTO_TEST_SUITE(garp_sender)

BOOST_AUTO_TEST_CASE(announcement_has_every_field_right) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    base::UniqueFd capture;
    peer.run([&] { capture = arp_capture(testing::ifindex_of("vb")); });

    auto info = read_interface("va");
    BOOST_REQUIRE(info.ok());
    auto garp = GarpSender::open(info->ifindex, info->mac);
    BOOST_REQUIRE_MESSAGE(garp.ok(), (garp.ok() ? std::string() : garp.error().message));
    auto sent = garp->send(kVip);
    BOOST_REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? std::string() : sent.error().message));

    auto f = next_frame_from(capture.get(), kVip);
    BOOST_REQUIRE_MESSAGE(!f.empty(), "no GARP for 10.9.0.100 arrived");
    BOOST_REQUIRE_GE(f.size(), 42u);  // Ethernet 14 + ARP 28 (no padding on veth)
    const std::array<uint8_t, 6> broadcast{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const auto& mac = info->mac;
    // Ethernet: to broadcast, from the interface, ARP.
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin(), f.begin() + 6, broadcast.begin(), broadcast.end());
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin() + 6, f.begin() + 12, mac.begin(), mac.end());
    BOOST_CHECK_EQUAL(u16(f, 12), 0x0806);
    // ARP: Ethernet/IPv4 request, sha = mac, spa = tpa = VIP, tha = 0.
    BOOST_CHECK_EQUAL(u16(f, 14), 1);       // htype
    BOOST_CHECK_EQUAL(u16(f, 16), 0x0800);  // ptype
    BOOST_CHECK_EQUAL(f[18], 6);            // hlen
    BOOST_CHECK_EQUAL(f[19], 4);            // plen
    BOOST_CHECK_EQUAL(u16(f, 20), 1);       // op: request
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin() + 22, f.begin() + 28, mac.begin(), mac.end());
    const std::array<uint8_t, 4> vip{10, 9, 0, 100};
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin() + 28, f.begin() + 32, vip.begin(), vip.end());
    const std::array<uint8_t, 6> zero{};
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin() + 32, f.begin() + 38, zero.begin(), zero.end());
    BOOST_CHECK_EQUAL_COLLECTIONS(f.begin() + 38, f.begin() + 42, vip.begin(), vip.end());
  });
}

BOOST_AUTO_TEST_CASE(a_burst_arrives_whole) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    base::UniqueFd capture;
    peer.run([&] { capture = arp_capture(testing::ifindex_of("vb")); });
    auto info = read_interface("va");
    BOOST_REQUIRE(info.ok());
    auto garp = GarpSender::open(info->ifindex, info->mac);
    BOOST_REQUIRE(garp.ok());
    for (int i = 0; i < 5; ++i) BOOST_REQUIRE(garp->send(kVip + static_cast<Ipv4>(i)).ok());
    for (int i = 0; i < 5; ++i)
      BOOST_CHECK_MESSAGE(!next_frame_from(capture.get(), kVip + static_cast<Ipv4>(i)).empty(), "GARP " << i);
  });
}

BOOST_AUTO_TEST_CASE(errors_name_the_interface) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto missing = GarpSender::open(999, {});
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST_MESSAGE("open on a missing interface: " << missing.error().message);
    BOOST_CHECK(missing.error().message.find("999") != std::string::npos);

    // A link that is down refuses to send; the error names it and the VIP.
    testing::add_veth("va", "vb");
    auto garp = GarpSender::open(testing::ifindex_of("va"), {});
    BOOST_REQUIRE(garp.ok());
    auto sent = garp->send(kVip);
    BOOST_REQUIRE(!sent.ok());
    BOOST_TEST_MESSAGE("send on a link that is down: " << sent.error().message);
    BOOST_CHECK(sent.error().message.find("'va'") != std::string::npos);
    BOOST_CHECK(sent.error().message.find("10.9.0.100") != std::string::npos);
  });
}

BOOST_AUTO_TEST_SUITE_END()
