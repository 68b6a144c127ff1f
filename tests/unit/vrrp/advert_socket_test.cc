#define BOOST_TEST_DYN_LINK
#include "vrrp/advert_socket.h"

#include <fcntl.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "tests/unit/vrrp/netns_fixture.h"

using namespace tandem;
using namespace tandem::vrrp;
using std::chrono::milliseconds;

namespace {

constexpr Ipv4 kHostA = 0x0A090001;  // 10.9.0.1 on va
constexpr Ipv4 kHostB = 0x0A090002;  // 10.9.0.2 on vb, in the peer namespace
constexpr Ipv4 kVip = 0x0A090064;    // 10.9.0.100

// A VRRPv3 advertisement built here byte by byte (RFC 5798 5.1), so this
// test depends on the socket only, not on vrrp/packet.cc.
std::vector<uint8_t> advert_bytes(uint8_t vrid, uint8_t priority, Ipv4 source, Ipv4 destination) {
  std::vector<uint8_t> m = {0x31, vrid, priority, 1, 0x00, 100, 0, 0,  // v3 advert, 1 address, 100 cs
                            static_cast<uint8_t>(kVip >> 24), static_cast<uint8_t>(kVip >> 16),
                            static_cast<uint8_t>(kVip >> 8), static_cast<uint8_t>(kVip)};
  uint32_t sum = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + 112 +
                 static_cast<uint32_t>(m.size());
  for (size_t i = 0; i < m.size(); i += 2) sum += static_cast<uint32_t>(m[i] << 8 | m[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  uint16_t checksum = static_cast<uint16_t>(~sum);
  m[6] = static_cast<uint8_t>(checksum >> 8);
  m[7] = static_cast<uint8_t>(checksum);
  return m;
}

Ipv4 ipv4_at(const std::vector<uint8_t>& p, size_t at) {
  return static_cast<Ipv4>(p[at]) << 24 | static_cast<Ipv4>(p[at + 1]) << 16 | static_cast<Ipv4>(p[at + 2]) << 8 |
         p[at + 3];
}

// Waits for one packet on `s` (2 s) and returns it, IP header included.
std::vector<uint8_t> receive_one(AdvertSocket& s) {
  std::vector<uint8_t> buf(2048);
  if (!testing::wait_readable(s.fd(), milliseconds(2000))) return {};
  auto n = s.receive(buf);
  BOOST_REQUIRE(n.ok());
  buf.resize(*n);
  return buf;
}

// The packet is `message` sent by the kernel from `source` to
// `destination`: IPv4, no options, TTL 255, protocol 112, TOS 0xC0.
void check_packet(const std::vector<uint8_t>& p, const std::vector<uint8_t>& message, Ipv4 source,
                  Ipv4 destination) {
  BOOST_REQUIRE_EQUAL(p.size(), 20 + message.size());
  BOOST_CHECK_EQUAL(p[0], 0x45);  // version 4, IHL 5
  BOOST_CHECK_EQUAL(p[1], 0xC0);  // TOS: network control
  BOOST_CHECK_EQUAL(p[2] << 8 | p[3], static_cast<int>(p.size()));
  BOOST_CHECK_EQUAL(p[8], 255);   // TTL
  BOOST_CHECK_EQUAL(p[9], 112);   // protocol
  BOOST_CHECK_EQUAL(ipv4_at(p, 12), source);
  BOOST_CHECK_EQUAL(ipv4_at(p, 16), destination);
  BOOST_CHECK_EQUAL_COLLECTIONS(p.begin() + 20, p.end(), message.begin(), message.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(advert_socket)

BOOST_AUTO_TEST_CASE(multicast_and_unicast_arrive_whole) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    std::optional<AdvertSocket> b;
    peer.run([&] {
      auto s = AdvertSocket::open("vb", testing::ifindex_of("vb"), true);
      BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
      b.emplace(std::move(*s));
    });
    auto a = AdvertSocket::open("va", testing::ifindex_of("va"), true);
    BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? std::string() : a.error().message));

    auto to_group = advert_bytes(51, 200, kHostA, kMulticastGroup);
    auto sent = a->send(to_group, kHostA, kMulticastGroup);
    BOOST_REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? std::string() : sent.error().message));
    check_packet(receive_one(*b), to_group, kHostA, kMulticastGroup);

    auto to_peer = advert_bytes(51, 200, kHostA, kHostB);
    BOOST_REQUIRE(a->send(to_peer, kHostA, kHostB).ok());
    check_packet(receive_one(*b), to_peer, kHostA, kHostB);

    // And back the other way.
    auto back = advert_bytes(51, 100, kHostB, kMulticastGroup);
    BOOST_REQUIRE(b->send(back, kHostB, kMulticastGroup).ok());
    check_packet(receive_one(*a), back, kHostB, kMulticastGroup);

    // Multicast loop is off: the sender never hears itself. (b has
    // already received a's adverts, so a looped copy would be queued.)
    std::vector<uint8_t> buf(2048);
    auto own = a->receive(buf);
    BOOST_REQUIRE(own.ok());
    BOOST_CHECK_EQUAL(*own, 0u);
  });
}

BOOST_AUTO_TEST_CASE(only_a_joined_socket_hears_the_group) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    std::optional<AdvertSocket> joined, unicast_only;
    peer.run([&] {
      int vb = testing::ifindex_of("vb");
      auto j = AdvertSocket::open("vb", vb, true);
      auto u = AdvertSocket::open("vb", vb, false);
      BOOST_REQUIRE(j.ok() && u.ok());
      joined.emplace(std::move(*j));
      unicast_only.emplace(std::move(*u));
    });
    auto a = AdvertSocket::open("va", testing::ifindex_of("va"), true);
    BOOST_REQUIRE(a.ok());

    auto to_group = advert_bytes(7, 100, kHostA, kMulticastGroup);
    BOOST_REQUIRE(a->send(to_group, kHostA, kMulticastGroup).ok());
    check_packet(receive_one(*joined), to_group, kHostA, kMulticastGroup);
    // Delivered to every matching raw socket at once: had the unjoined one
    // been a match (IP_MULTICAST_ALL on), it would hold a copy by now.
    std::vector<uint8_t> buf(2048);
    auto n = unicast_only->receive(buf);
    BOOST_REQUIRE(n.ok());
    BOOST_CHECK_EQUAL(*n, 0u);

    auto to_peer = advert_bytes(7, 100, kHostA, kHostB);
    BOOST_REQUIRE(a->send(to_peer, kHostA, kHostB).ok());
    check_packet(receive_one(*unicast_only), to_peer, kHostA, kHostB);
    check_packet(receive_one(*joined), to_peer, kHostA, kHostB);
  });
}

BOOST_AUTO_TEST_CASE(bound_to_its_interface) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    // The peer has a second link; a socket bound to it hears nothing of vb's.
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    std::optional<AdvertSocket> on_vb, on_other;
    peer.run([&] {
      testing::add_veth("other", "other-peer");
      testing::set_link_up("other", true);
      testing::set_link_up("other-peer", true);
      testing::wait_link_running("other");
      auto s1 = AdvertSocket::open("vb", testing::ifindex_of("vb"), true);
      auto s2 = AdvertSocket::open("other", testing::ifindex_of("other"), true);
      BOOST_REQUIRE(s1.ok() && s2.ok());
      on_vb.emplace(std::move(*s1));
      on_other.emplace(std::move(*s2));
    });
    auto a = AdvertSocket::open("va", testing::ifindex_of("va"), true);
    BOOST_REQUIRE(a.ok());
    auto m = advert_bytes(9, 100, kHostA, kMulticastGroup);
    BOOST_REQUIRE(a->send(m, kHostA, kMulticastGroup).ok());
    check_packet(receive_one(*on_vb), m, kHostA, kMulticastGroup);
    std::vector<uint8_t> buf(2048);
    auto n = on_other->receive(buf);
    BOOST_REQUIRE(n.ok());
    BOOST_CHECK_EQUAL(*n, 0u);
  });
}

BOOST_AUTO_TEST_CASE(long_packet_is_truncated_to_the_buffer) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    std::optional<AdvertSocket> b;
    peer.run([&] {
      auto s = AdvertSocket::open("vb", testing::ifindex_of("vb"), true);
      BOOST_REQUIRE(s.ok());
      b.emplace(std::move(*s));
    });
    auto a = AdvertSocket::open("va", testing::ifindex_of("va"), true);
    BOOST_REQUIRE(a.ok());
    auto m = advert_bytes(9, 100, kHostA, kHostB);
    BOOST_REQUIRE(a->send(m, kHostA, kHostB).ok());
    BOOST_REQUIRE(testing::wait_readable(b->fd(), milliseconds(2000)));
    std::vector<uint8_t> small(24);
    auto n = b->receive(small);
    BOOST_REQUIRE(n.ok());
    BOOST_CHECK_EQUAL(*n, 24u);
    auto rest = b->receive(small);  // the rest of the datagram is gone
    BOOST_REQUIRE(rest.ok());
    BOOST_CHECK_EQUAL(*rest, 0u);
  });
}

BOOST_AUTO_TEST_CASE(errors_name_interface_and_address) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto missing = AdvertSocket::open("nope0", 999, true);
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST_MESSAGE("open on a missing interface: " << missing.error().message);
    BOOST_CHECK(missing.error().message.find("'nope0'") != std::string::npos);

    auto peer = testing::wire_to_new_netns("va", "10.9.0.1/24", "vb", "10.9.0.2/24");
    auto a = AdvertSocket::open("va", testing::ifindex_of("va"), true);
    BOOST_REQUIRE(a.ok());
    int flags = fcntl(a->fd(), F_GETFL);
    BOOST_CHECK(flags & O_NONBLOCK);
    BOOST_CHECK(fcntl(a->fd(), F_GETFD) & FD_CLOEXEC);
    // A source that is not ours: the kernel refuses, the error says which.
    constexpr Ipv4 kForeign = 0x0A090909;
    auto m = advert_bytes(9, 100, kForeign, kMulticastGroup);
    auto sent = a->send(m, kForeign, kMulticastGroup);
    BOOST_REQUIRE(!sent.ok());
    BOOST_TEST_MESSAGE("send from a foreign address: " << sent.error().message);
    BOOST_CHECK(sent.error().message.find("10.9.9.9") != std::string::npos);
    BOOST_CHECK(sent.error().message.find("'va'") != std::string::npos);
  });
}

BOOST_AUTO_TEST_SUITE_END()
