#define BOOST_TEST_DYN_LINK
#include "vrrp/instance.h"

#include "tests/unit/vrrp/loop_runner.h"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace tandem;
using namespace tandem::vrrp;
using namespace std::chrono_literals;
using tandem::vrrp::testing::run_until;

namespace {

// Records what the instance does to the world.
struct FakePorts : InstancePorts {
  struct Sent {
    Ipv4 source, destination;
    Advert advert;
  };
  std::vector<Sent> adverts;
  std::vector<VipAddress> vips;  // currently "on the interface"
  int vip_calls = 0;
  std::vector<Ipv4> garps;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> hooks;
  std::vector<StateChange> changes;

  base::Status send_advert(std::span<const uint8_t> message, Ipv4 source, Ipv4 destination) override {
    // Wrap it in an IPv4 header so the real parser checks the checksum.
    std::vector<uint8_t> packet = {0x45, 0, 0, 0, 0, 0, 0, 0, 255, kProtocol, 0, 0};
    packet[3] = static_cast<uint8_t>(20 + message.size());
    for (Ipv4 a : {source, destination})
      for (int shift = 24; shift >= 0; shift -= 8) packet.push_back(static_cast<uint8_t>(a >> shift));
    packet.insert(packet.end(), message.begin(), message.end());
    ParseResult r = parse_ipv4_packet(packet);
    BOOST_REQUIRE_MESSAGE(r.ok, "the instance sent an advert that does not parse: " << to_string(r.reason));
    adverts.push_back({source, destination, r.packet.advert});
    return {};
  }
  base::Status add_vip(const VipAddress& vip) override {
    ++vip_calls;
    vips.push_back(vip);
    return {};
  }
  base::Status remove_vip(const VipAddress& vip) override {
    ++vip_calls;
    std::erase(vips, vip);
    return {};
  }
  base::Status send_garp(Ipv4 vip) override {
    garps.push_back(vip);
    return {};
  }
  void run_hook(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env) override {
    hooks.emplace_back(command, env);
  }
  void state_changed(const StateChange& change) override { changes.push_back(change); }
};

conf::VrrpConf owner_conf() {
  conf::VrrpConf c;
  c.name = "web";
  c.interface = "eth0";
  c.vrid = 51;
  c.priority = 255;
  c.advert_interval = 20ms;
  c.vips = {conf::VipConf{0x0A000064, 24, "10.0.0.100/24"}, conf::VipConf{0x0A000065, 32, "10.0.0.101/32"}};
  c.garp_count = 2;
  c.garp_interval = 5ms;
  c.garp_delay = 0ms;
  c.notify_master = "master-hook";
  c.notify = "any-hook";
  return c;
}

constexpr Ipv4 kSelf = 0x0A00000B;  // 10.0.0.11

std::string env_of(const std::vector<std::pair<std::string, std::string>>& env, const std::string& key) {
  for (const auto& [k, v] : env)
    if (k == key) return v;
  return "<absent>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_instance)

BOOST_AUTO_TEST_CASE(an_owner_becomes_master_adds_vips_advertises_and_announces) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FakePorts ports;
  Instance instance(loop.get(), owner_conf(), kSelf, ports);
  instance.start();
  BOOST_TEST((instance.state() == State::Master));
  BOOST_REQUIRE_EQUAL(ports.vips.size(), 2u);
  BOOST_TEST(ports.vips[0].prefix_len == 24);
  BOOST_REQUIRE(!ports.adverts.empty());
  const auto& first = ports.adverts.front();
  BOOST_TEST(first.source == kSelf);
  BOOST_TEST(first.destination == kMulticastGroup);
  BOOST_TEST(first.advert.vrid == 51);
  BOOST_TEST(first.advert.priority == 255);
  BOOST_TEST(first.advert.max_advert_cs == 2);
  BOOST_TEST(first.advert.addresses == (std::vector<Ipv4>{0x0A000064, 0x0A000065}));
  // Hooks: notify_master and notify, with the documented environment.
  BOOST_REQUIRE_EQUAL(ports.hooks.size(), 2u);
  BOOST_TEST(ports.hooks[0].first == "master-hook");
  BOOST_TEST(ports.hooks[1].first == "any-hook");
  BOOST_TEST(env_of(ports.hooks[0].second, "TANDEM_INSTANCE") == "web");
  BOOST_TEST(env_of(ports.hooks[0].second, "TANDEM_STATE") == "master");
  BOOST_TEST(env_of(ports.hooks[0].second, "TANDEM_VRID") == "51");
  BOOST_REQUIRE_EQUAL(ports.changes.size(), 1u);
  BOOST_TEST(ports.changes[0].instance == "web");
  BOOST_TEST((ports.changes[0].to == State::Master));

  // The burst: garp_count rounds over both VIPs; and adverts keep coming.
  run_until(loop.get(), [&] { return ports.garps.size() >= 4 && ports.adverts.size() >= 4; }, 3000ms);
  BOOST_TEST(ports.garps.size() == 4u);
  BOOST_TEST(ports.adverts.size() >= 4u);
  InstanceStatus s = instance.status(7);
  BOOST_TEST(s.ifindex == 7);
  BOOST_TEST(s.garps_sent == 4u);
  BOOST_TEST(s.holds_vips);
  BOOST_TEST(s.stats.adverts_sent >= 4u);
}

BOOST_AUTO_TEST_CASE(unicast_peers_get_one_advert_each) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FakePorts ports;
  conf::VrrpConf c = owner_conf();
  c.unicast_peers = {0x0A00000C, 0x0A00000D};
  Instance instance(loop.get(), c, kSelf, ports);
  instance.start();
  BOOST_REQUIRE_EQUAL(ports.adverts.size(), 2u);
  BOOST_TEST(ports.adverts[0].destination == 0x0A00000Cu);
  BOOST_TEST(ports.adverts[1].destination == 0x0A00000Du);
}

BOOST_AUTO_TEST_CASE(stop_resigns_and_removes_the_vips) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FakePorts ports;
  Instance instance(loop.get(), owner_conf(), kSelf, ports);
  instance.start();
  ports.adverts.clear();
  instance.stop();
  BOOST_TEST((instance.state() == State::Initialize));
  BOOST_TEST(ports.vips.empty());
  BOOST_REQUIRE(!ports.adverts.empty());
  BOOST_TEST(ports.adverts.back().advert.priority == 0);
  // Stopped means silent: no more adverts or ARPs.
  size_t adverts = ports.adverts.size(), garps = ports.garps.size();
  run_until(loop.get(), [] { return false; }, 60ms);
  BOOST_TEST(ports.adverts.size() == adverts);
  BOOST_TEST(ports.garps.size() == garps);
}

BOOST_AUTO_TEST_CASE(failover_on_a_backup_does_nothing_and_says_so) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FakePorts ports;
  conf::VrrpConf c = owner_conf();
  c.priority = 100;
  c.advert_interval = 1000ms;
  Instance instance(loop.get(), c, kSelf, ports);
  instance.start();
  BOOST_TEST((instance.state() == State::Backup));
  bool done = true;
  std::string line = instance.failover(FailoverMode::HandOver, done);
  BOOST_TEST(!done);
  BOOST_TEST(line.rfind("web: ", 0) == 0);
  BOOST_TEST(ports.adverts.empty());
  BOOST_TEST(ports.vips.empty());
}

BOOST_AUTO_TEST_CASE(link_down_releases_the_vips) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FakePorts ports;
  conf::VrrpConf c = owner_conf();
  c.notify_fault = "fault-hook";
  Instance instance(loop.get(), c, kSelf, ports);
  instance.start();
  instance.set_link(false);
  BOOST_TEST((instance.state() == State::Fault));
  BOOST_TEST(ports.vips.empty());
  BOOST_TEST(ports.hooks[ports.hooks.size() - 2].first == "fault-hook");
  instance.set_link(true);
  BOOST_TEST((instance.state() == State::Master));  // an owner is master again at once
  BOOST_TEST(ports.vips.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
