#define BOOST_TEST_DYN_LINK
#include "vrrp/vip_manager.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/unit/vrrp/netns_fixture.h"

using namespace tandem;
using namespace tandem::vrrp;

namespace {

constexpr Ipv4 kVip = 0x0A090064;  // 10.9.0.100

size_t count_of(const std::vector<std::string>& list, const std::string& item) {
  return static_cast<size_t>(std::count(list.begin(), list.end(), item));
}

std::string message_of(const base::Status& s) { return s.ok() ? std::string("ok") : s.error().message; }

}  // namespace

BOOST_AUTO_TEST_SUITE(vip_manager)

BOOST_AUTO_TEST_CASE(add_twice_present_remove_twice) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    testing::add_address("va", "10.9.0.1/24");
    int va = testing::ifindex_of("va");
    int vb = testing::ifindex_of("vb");
    auto vips = VipManager::open();
    BOOST_REQUIRE(vips.ok());

    auto before = vips->present(va, kVip);
    BOOST_REQUIRE(before.ok());
    BOOST_CHECK(!*before);

    VipAddress vip{kVip, 32};
    auto first = vips->add(va, vip);
    BOOST_CHECK_MESSAGE(first.ok(), "first add: " << message_of(first));
    auto second = vips->add(va, vip);
    BOOST_CHECK_MESSAGE(second.ok(), "second add: " << message_of(second));
    auto listed = testing::ipv4_addresses_of(va);
    BOOST_CHECK_EQUAL(count_of(listed, "10.9.0.100/32"), 1u);
    BOOST_CHECK_EQUAL(count_of(listed, "10.9.0.1/24"), 1u);  // the interface's own is untouched
    BOOST_CHECK(testing::ipv4_addresses_of(vb).empty());

    auto now = vips->present(va, kVip);
    BOOST_REQUIRE(now.ok());
    BOOST_CHECK(*now);
    BOOST_CHECK(!*vips->present(vb, kVip));          // another interface
    BOOST_CHECK(!*vips->present(va, kVip + 1));      // another address
    BOOST_CHECK(*vips->present(va, 0x0A090001));     // any address, not only ours

    BOOST_CHECK_MESSAGE(vips->remove(va, vip).ok(), "remove");
    auto again = vips->remove(va, vip);
    BOOST_CHECK_MESSAGE(again.ok(), "second remove: " << message_of(again));
    listed = testing::ipv4_addresses_of(va);
    BOOST_CHECK_EQUAL(count_of(listed, "10.9.0.100/32"), 0u);
    BOOST_CHECK_EQUAL(count_of(listed, "10.9.0.1/24"), 1u);
    BOOST_CHECK(!*vips->present(va, kVip));
  });
}

BOOST_AUTO_TEST_CASE(prefix_length_is_kept) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    int va = testing::ifindex_of("va");
    auto vips = VipManager::open();
    BOOST_REQUIRE(vips.ok());
    BOOST_REQUIRE(vips->add(va, {kVip, 24}).ok());
    BOOST_CHECK_EQUAL(count_of(testing::ipv4_addresses_of(va), "10.9.0.100/24"), 1u);
    BOOST_CHECK(*vips->present(va, kVip));
    BOOST_REQUIRE(vips->remove(va, {kVip, 24}).ok());
    BOOST_CHECK(testing::ipv4_addresses_of(va).empty());
  });
}

BOOST_AUTO_TEST_CASE(works_on_a_link_that_is_down_and_from_a_leftover) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    int va = testing::ifindex_of("va");
    // A VIP a killed predecessor left behind: removed by a new manager.
    testing::add_address("va", "10.9.0.100/32");
    auto vips = VipManager::open();
    BOOST_REQUIRE(vips.ok());
    BOOST_CHECK(*vips->present(va, kVip));
    BOOST_CHECK(vips->add(va, {kVip, 32}).ok());  // already there: success
    BOOST_CHECK(vips->remove(va, {kVip, 32}).ok());
    BOOST_CHECK(testing::ipv4_addresses_of(va).empty());
  });
}

BOOST_AUTO_TEST_CASE(errors_name_the_address) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto vips = VipManager::open();
    BOOST_REQUIRE(vips.ok());
    auto added = vips->add(999, {kVip, 32});
    BOOST_REQUIRE(!added.ok());
    BOOST_TEST_MESSAGE("add on a missing interface: " << added.error().message);
    BOOST_CHECK(added.error().message.find("10.9.0.100/32") != std::string::npos);
    BOOST_CHECK(added.error().message.find("999") != std::string::npos);

    auto bad_prefix = vips->add(1, {kVip, 33});
    BOOST_REQUIRE(!bad_prefix.ok());
    BOOST_CHECK(bad_prefix.error().message.find("prefix") != std::string::npos);

    // Removing from an interface that is gone: the address is gone too.
    BOOST_CHECK(vips->remove(999, {kVip, 32}).ok());
    auto present = vips->present(999, kVip);
    BOOST_REQUIRE(present.ok());
    BOOST_CHECK(!*present);
  });
}

BOOST_AUTO_TEST_SUITE_END()
