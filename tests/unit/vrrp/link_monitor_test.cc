#define BOOST_TEST_DYN_LINK
#include "vrrp/link_monitor.h"

#include <fcntl.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <utility>
#include <vector>

#include "tests/unit/vrrp/netns_fixture.h"

using namespace tandem;
using namespace tandem::vrrp;
using std::chrono::milliseconds;

namespace {

// Drains `monitor` whenever its fd is readable until `ifindex` is reported
// with state `up`, or 5 s. Every event seen is appended to `seen`.
bool wait_for(LinkMonitor& monitor, int ifindex, bool up, std::vector<std::pair<int, bool>>& seen) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool found = false;
  while (!found) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !testing::wait_readable(monitor.fd(), left)) return false;
    auto drained = monitor.drain([&](int index, bool is_up) {
      seen.emplace_back(index, is_up);
      if (index == ifindex && is_up == up) found = true;
    });
    BOOST_REQUIRE_MESSAGE(drained.ok(), (drained.ok() ? std::string() : drained.error().message));
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(link_monitor)

BOOST_AUTO_TEST_CASE(reports_down_then_up) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    int va = testing::ifindex_of("va");
    auto monitor = LinkMonitor::open();
    BOOST_REQUIRE(monitor.ok());
    std::vector<std::pair<int, bool>> seen;

    // Up needs carrier, so both ends; the up event may trail the flag
    // change (the kernel's linkwatch sets the operational state).
    testing::set_link_up("va", true);
    testing::set_link_up("vb", true);
    BOOST_CHECK(wait_for(*monitor, va, true, seen));

    seen.clear();
    testing::set_link_up("va", false);
    BOOST_CHECK(wait_for(*monitor, va, false, seen));
    for (auto& [index, up] : seen) BOOST_CHECK(!(index == va && up));  // no "up" on the way down

    seen.clear();
    testing::set_link_up("va", true);
    BOOST_CHECK(wait_for(*monitor, va, true, seen));

    // Carrier lost (the peer goes down) is "down" too, with va still IFF_UP.
    seen.clear();
    testing::set_link_up("vb", false);
    BOOST_CHECK(wait_for(*monitor, va, false, seen));
    BOOST_CHECK(testing::link_flags("va") & IFF_UP);
  });
}

BOOST_AUTO_TEST_CASE(deleted_link_is_down) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    testing::add_veth("va", "vb");
    int vb = testing::ifindex_of("vb");
    auto monitor = LinkMonitor::open();
    BOOST_REQUIRE(monitor.ok());
    std::vector<std::pair<int, bool>> seen;
    testing::set_link_up("va", true);
    testing::set_link_up("vb", true);
    BOOST_REQUIRE(wait_for(*monitor, vb, true, seen));
    seen.clear();
    testing::delete_link("va");  // takes vb with it
    BOOST_CHECK(wait_for(*monitor, vb, false, seen));
  });
}

BOOST_AUTO_TEST_CASE(bridge_port_messages_are_not_link_state) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    try {
      testing::add_bridge("br0");
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("skipped: no bridge support: " << e.what());
      return;
    }
    testing::add_veth("va", "vb");
    int va = testing::ifindex_of("va");
    auto monitor = LinkMonitor::open();
    BOOST_REQUIRE(monitor.ok());
    std::vector<std::pair<int, bool>> seen;
    testing::set_link_up("va", true);
    testing::set_link_up("vb", true);
    BOOST_REQUIRE(wait_for(*monitor, va, true, seen));

    // Joining and leaving a bridge sends AF_BRIDGE RTM_NEWLINK/RTM_DELLINK
    // for the port; the RTM_DELLINK must not read as "va is gone".
    seen.clear();
    testing::set_master("va", "br0");
    testing::set_master("va", "");
    // A marker after them on the same socket: once it is seen, so were they.
    testing::add_veth("mark", "mark-peer");
    int mark = testing::ifindex_of("mark");
    BOOST_REQUIRE(wait_for(*monitor, mark, false, seen));
    for (auto& [index, up] : seen) BOOST_CHECK_MESSAGE(!(index == va && !up), "va reported down");
  });
}

BOOST_AUTO_TEST_CASE(overrun_is_an_error_and_the_monitor_goes_on) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto monitor = LinkMonitor::open();
    BOOST_REQUIRE(monitor.ok());
    // The smallest receive buffer the kernel allows (a few KiB), then more
    // link events than fit, unread.
    int tiny = 1;
    BOOST_REQUIRE(setsockopt(monitor->fd(), SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof tiny) == 0);
    for (int i = 0; i < 8; ++i) testing::add_veth("a" + std::to_string(i), "b" + std::to_string(i));
    bool overrun = false;
    for (int i = 0; i < 20 && !overrun; ++i) {
      auto drained = monitor->drain([](int, bool) {});
      if (!drained.ok()) {
        overrun = true;
        BOOST_TEST_MESSAGE("overrun: " << drained.error().message);
        BOOST_CHECK(drained.error().message.find("ENOBUFS") != std::string::npos);
      }
    }
    BOOST_REQUIRE(overrun);
    // Still subscribed: later events arrive.
    int big = 1 << 20;
    BOOST_REQUIRE(setsockopt(monitor->fd(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0);
    BOOST_REQUIRE(monitor->drain([](int, bool) {}).ok());
    testing::add_veth("after", "after-peer");
    std::vector<std::pair<int, bool>> seen;
    BOOST_CHECK(wait_for(*monitor, testing::ifindex_of("after"), false, seen));
  });
}

BOOST_AUTO_TEST_CASE(nothing_pending_returns_at_once) {
  if (!testing::netns_available()) return;
  testing::in_new_netns([] {
    auto monitor = LinkMonitor::open();
    BOOST_REQUIRE(monitor.ok());
    int fd = monitor->fd();
    BOOST_CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    BOOST_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int calls = 0;
    auto t0 = std::chrono::steady_clock::now();
    BOOST_CHECK(monitor->drain([&](int, bool) { ++calls; }).ok());
    BOOST_CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
    BOOST_CHECK_EQUAL(calls, 0);
  });
}

BOOST_AUTO_TEST_SUITE_END()
