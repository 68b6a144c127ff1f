#define BOOST_TEST_DYN_LINK
#include "vrrp/interface_info.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "tests/unit/vrrp/netns_fixture.h"

using namespace tandem;
using namespace tandem::vrrp;

namespace {

constexpr Ipv4 kAddr = 0x0A090001;  // 10.9.0.1
constexpr Ipv4 kVip = 0x0A090064;   // 10.9.0.100

// The MAC as the kernel reports it through the old ioctl, a view
// independent of the netlink code under test.
std::array<uint8_t, 6> mac_by_ioctl(const std::string& name) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  BOOST_REQUIRE(::ioctl(fd.get(), SIOCGIFHWADDR, &req) == 0);
  std::array<uint8_t, 6> mac{};
  std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, 6);
  return mac;
}

// read_interface() until its link_up is `up`, or 5 s.
bool wait_link_up_is(const std::string& name, bool up) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto info = read_interface(name);
    BOOST_REQUIRE(info.ok());
    if (info->link_up == up) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interface_info)

BOOST_AUTO_TEST_CASE(reads_index_mac_address_of_a_veth) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    testing::add_address("va", "10.9.0.1/24");
    auto info = read_interface("va");
    BOOST_REQUIRE_MESSAGE(info.ok(), (info.ok() ? std::string() : info.error().message));
    BOOST_CHECK_EQUAL(info->name, "va");
    BOOST_CHECK_EQUAL(info->ifindex, testing::ifindex_of("va"));
    auto mac = mac_by_ioctl("va");
    BOOST_CHECK_EQUAL_COLLECTIONS(info->mac.begin(), info->mac.end(), mac.begin(), mac.end());
    BOOST_CHECK(mac != (std::array<uint8_t, 6>{}));
    BOOST_CHECK_EQUAL(info->primary_address, kAddr);
    BOOST_CHECK(!info->link_up);  // created down
  });
}

BOOST_AUTO_TEST_CASE(link_up_needs_up_and_carrier) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    // va administratively up, but its peer is down: no carrier, not up.
    testing::set_link_up("va", true);
    auto info = read_interface("va");
    BOOST_REQUIRE(info.ok());
    BOOST_CHECK(!info->link_up);
    BOOST_CHECK(testing::link_flags("va") & IFF_UP);
    // The peer comes up: carrier, so up (once linkwatch has run).
    testing::set_link_up("vb", true);
    BOOST_CHECK(wait_link_up_is("va", true));
    // Down again.
    testing::set_link_up("va", false);
    BOOST_CHECK(wait_link_up_is("va", false));
  });
}

BOOST_AUTO_TEST_CASE(no_such_interface) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto info = read_interface("eth9");
    BOOST_REQUIRE(!info.ok());
    BOOST_CHECK_EQUAL(info.error().message, "no such interface 'eth9'");
  });
}

BOOST_AUTO_TEST_CASE(primary_is_the_first_address_not_excluded) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    auto none = read_interface("va");
    BOOST_REQUIRE(none.ok());
    BOOST_CHECK_EQUAL(none->primary_address, 0u);  // no IPv4 address yet

    testing::add_address("va", "10.9.0.1/24");
    testing::add_address("va", "10.9.0.100/32");  // a VIP left behind
    testing::add_address("va", "10.9.0.7/24");    // secondary of 10.9.0.0/24
    auto first = read_interface("va");
    BOOST_REQUIRE(first.ok());
    BOOST_CHECK_EQUAL(first->primary_address, kAddr);

    // The VIP may be first too: a predecessor added it before the
    // interface got its own address back.
    std::array<Ipv4, 1> own{kAddr};
    auto without_own = read_interface("va", own);
    BOOST_REQUIRE(without_own.ok());
    BOOST_CHECK_EQUAL(without_own->primary_address, kVip);  // primaries before secondaries

    std::array<Ipv4, 2> both{kAddr, kVip};
    auto only_secondary = read_interface("va", both);
    BOOST_REQUIRE(only_secondary.ok());
    BOOST_CHECK_EQUAL(only_secondary->primary_address, 0x0A090007u);

    std::array<Ipv4, 3> all{kAddr, kVip, 0x0A090007};
    auto nothing_left = read_interface("va", all);
    BOOST_REQUIRE(nothing_left.ok());
    BOOST_CHECK_EQUAL(nothing_left->primary_address, 0u);
  });
}

BOOST_AUTO_TEST_CASE(addresses_of_other_links_are_not_taken) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    testing::add_address("vb", "10.9.0.2/24");
    auto info = read_interface("va");
    BOOST_REQUIRE(info.ok());
    BOOST_CHECK_EQUAL(info->primary_address, 0u);
  });
}

BOOST_AUTO_TEST_SUITE_END()
