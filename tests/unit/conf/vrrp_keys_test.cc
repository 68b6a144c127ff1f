#define BOOST_TEST_DYN_LINK
#include "conf/config.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/conf/conf_test_util.h"

using namespace tandem::conf;
using namespace tandem::conf::testing;

namespace {

// A valid config (lines 1-5) plus `extra` lines; the first extra line is 6.
std::string with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool, kPool, kServer});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

// A minimal valid [vrrp] section (lines 6-9) and `extra` after it (line 10 on).
std::string vrrp_with(std::initializer_list<std::string_view> extra) {
  std::string text = with({"[vrrp]", "interface = eth0", "vrid = 51", "vip = 10.0.0.100/24"});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

void expect_one(const std::vector<std::string>& errors, std::string_view prefix, std::string_view gist) {
  BOOST_TEST_INFO("errors: " << errors.size() << (errors.empty() ? std::string() : ", first: " + errors[0]));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].rfind(prefix, 0) == 0, errors[0] << " does not start with " << prefix);
  BOOST_TEST(errors[0].find(gist) != std::string::npos, errors[0] << " does not contain " << gist);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_keys)

BOOST_AUTO_TEST_CASE(defaults_of_a_minimal_section) {
  LoadResult r = load_config_string(vrrp_with({}), "t.ini", LoadOptions{.resolve_hosts = false});
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE_EQUAL(r.config->vrrp.size(), 1u);
  const VrrpConf& v = r.config->vrrp[0];
  BOOST_TEST(v.name == "default");
  BOOST_TEST(v.interface == "eth0");
  BOOST_TEST(v.vrid == 51);
  BOOST_TEST(v.priority == 100);
  BOOST_TEST(v.advert_interval.count() == 1000);
  BOOST_TEST(v.preempt);
  BOOST_TEST(v.failover_hold.count() == 60000);
  BOOST_REQUIRE_EQUAL(v.vips.size(), 1u);
  BOOST_TEST(v.vips[0].address == 0x0A000064u);
  BOOST_TEST(v.vips[0].prefix_len == 24);
  BOOST_TEST(v.vips[0].text == "10.0.0.100/24");
  BOOST_TEST(v.unicast_peers.empty());
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  LoadResult r = load_config_string(
      vrrp_with({"priority = 255", "advert_interval = 100ms", "preempt = no", "preempt_delay = 5s",
                 "accept_mode = no", "vip = 10.0.0.101", "unicast_peer = 10.0.0.12", "unicast_peer = 10.0.0.13",
                 "source_address = 10.0.0.11", "garp_count = 3", "garp_interval = 10ms", "garp_delay = 0s",
                 "garp_refresh = 1m", "track_pool = app", "track_penalty = 120", "notify_master = /bin/true master",
                 "notify_backup = b", "notify_fault = f", "notify = n", "failover_hold = 2m"}),
      "t.ini", LoadOptions{.resolve_hosts = false});
  BOOST_REQUIRE(r.ok());
  const VrrpConf& v = r.config->vrrp[0];
  BOOST_TEST(v.priority == 255);
  BOOST_TEST(v.advert_interval.count() == 100);
  BOOST_TEST(!v.preempt);
  BOOST_TEST(v.preempt_delay.count() == 5000);
  BOOST_TEST(!v.accept_mode);
  BOOST_REQUIRE_EQUAL(v.vips.size(), 2u);
  BOOST_TEST(v.vips[1].prefix_len == 32);
  BOOST_TEST(v.vips[1].text == "10.0.0.101/32");
  BOOST_TEST(v.unicast_peers == (std::vector<uint32_t>{0x0A00000Cu, 0x0A00000Du}));
  BOOST_TEST(v.source_address == 0x0A00000Bu);
  BOOST_TEST(v.garp_count == 3);
  BOOST_TEST(v.garp_interval.count() == 10);
  BOOST_TEST(v.garp_delay.count() == 0);
  BOOST_TEST(v.garp_refresh.count() == 60000);
  BOOST_TEST(v.track_pools == std::vector<std::string>{"app"});
  BOOST_TEST(v.track_penalty == 120);
  BOOST_TEST(v.notify_master == "/bin/true master");
  BOOST_TEST(v.notify == "n");
  BOOST_TEST(v.failover_hold.count() == 120000);
}

BOOST_AUTO_TEST_CASE(several_named_instances) {
  LoadResult r = load_config_string(vrrp_with({"[vrrp:second]", "interface = eth0", "vrid = 52", "vip = 10.0.0.200"}),
                                    "t.ini", LoadOptions{.resolve_hosts = false});
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE_EQUAL(r.config->vrrp.size(), 2u);
  BOOST_TEST(r.config->vrrp[1].name == "second");
  BOOST_TEST(r.config->vrrp[1].vrid == 52);
}

BOOST_AUTO_TEST_CASE(required_keys) {
  auto e = errors_of(with({"[vrrp]", "priority = 10"}));
  BOOST_REQUIRE_EQUAL(e.size(), 3u);
  BOOST_TEST(e[0].find("t.ini:6: [vrrp] interface: missing") == 0);
  BOOST_TEST(e[1].find("t.ini:6: [vrrp] vrid: missing") == 0);
  BOOST_TEST(e[2].find("t.ini:6: [vrrp] vip: missing") == 0);
}

BOOST_AUTO_TEST_CASE(bad_values_name_line_and_key) {
  expect_one(errors_of(vrrp_with({"priority = 0"})), "t.ini:10: [vrrp] priority: ", "out of range (1..255)");
  expect_one(errors_of(vrrp_with({"priority = 256"})), "t.ini:10: [vrrp] priority: ", "out of range");
  expect_one(errors_of(vrrp_with({"advert_interval = 5ms"})), "t.ini:10: [vrrp] advert_interval: ", "");
  expect_one(errors_of(vrrp_with({"advert_interval = 15ms"})), "t.ini:10: [vrrp] advert_interval: ",
             "whole number of centiseconds");
  expect_one(errors_of(vrrp_with({"advert_interval = 41s"})), "t.ini:10: [vrrp] advert_interval: ", "");
  expect_one(errors_of(vrrp_with({"vip = 10.0.0.300"})), "t.ini:10: [vrrp] vip: ", "expected an IPv4 address");
  expect_one(errors_of(vrrp_with({"vip = 10.0.0.1/33"})), "t.ini:10: [vrrp] vip: ", "bad prefix length");
  expect_one(errors_of(vrrp_with({"vip = 10.0.0.100/32"})), "t.ini:10: [vrrp] vip: ", "listed twice");
  expect_one(errors_of(vrrp_with({"preempt = maybe"})), "t.ini:10: [vrrp] preempt: ", "");
  expect_one(errors_of(vrrp_with({"interface = eth0/1"})), "t.ini:10: [vrrp] interface: ", "given twice");
  expect_one(errors_of(with({"[vrrp]", "interface = a-very-long-interface", "vrid = 1", "vip = 10.0.0.1"})),
             "t.ini:7: [vrrp] interface: ", "too long");
  expect_one(errors_of(vrrp_with({"unicast_peer = peer.example"})), "t.ini:10: [vrrp] unicast_peer: ",
             "expected an IPv4 address");
  expect_one(errors_of(vrrp_with({"vrid = 7"})), "t.ini:10: [vrrp] vrid: ", "given twice");
}

BOOST_AUTO_TEST_CASE(cross_checks) {
  expect_one(errors_of(vrrp_with({"track_pool = ap"})), "t.ini:10: [vrrp] track_pool: ",
             "no section [pool:ap] (did you mean 'app'?)");
  expect_one(errors_of(vrrp_with({"unicast_peer = 10.0.0.100"})), "t.ini:10: [vrrp] unicast_peer: ",
             "is one of this instance's VIPs");
  expect_one(errors_of(vrrp_with({"source_address = 10.0.0.100"})), "t.ini:10: [vrrp] source_address: ",
             "not a VIP");
  expect_one(errors_of(vrrp_with({"[vrrp:b]", "interface = eth0", "vrid = 51", "vip = 10.0.0.200"})),
             "t.ini:12: [vrrp:b] vrid: ", "vrid 51 on eth0 is also used by [vrrp] (line 6)");
  expect_one(errors_of(vrrp_with({"[vrrp:b]", "interface = eth0", "vrid = 52", "vip = 10.0.0.100"})),
             "t.ini:13: [vrrp:b] vip: ", "10.0.0.100 is also a VIP of [vrrp]");
  expect_one(errors_of(vrrp_with({"[vrrp:default]", "interface = eth1", "vrid = 52", "vip = 10.0.0.200"})),
             "t.ini:10: [vrrp:default] ", "instance name 'default' is also used by [vrrp]");
  // The same VRID on another interface is another virtual router.
  BOOST_TEST(errors_of(vrrp_with({"[vrrp:b]", "interface = eth1", "vrid = 51", "vip = 10.0.0.200"})).empty());
}

BOOST_AUTO_TEST_CASE(vrrp_keys_elsewhere_say_where_they_belong) {
  expect_one(errors_of(with({"vrid = 3"})), "t.ini:6: [pool:app] vrid: ", "belongs in [vrrp]");
}

BOOST_AUTO_TEST_SUITE_END()
