#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "conf/config.h"
#include "daemon/replication/fingerprints.h"

using namespace tandem;

namespace {

conf::Config load(const std::string& servers, const std::string& extra = "") {
  auto r = conf::load_config_string("[frontend:f]\nbind = 127.0.0.1:8080\npool = app\n[pool:app]\nhealth = none\n" +
                                        extra + servers,
                                    "t.ini", conf::LoadOptions{false});
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  return *r.config;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fingerprints)

BOOST_AUTO_TEST_CASE(same_servers_in_any_order_and_weight_give_the_same_digest) {
  auto a = load("server = be1 10.0.0.1:80\nserver = be2 10.0.0.2:80\n");
  auto b = load("server = be2 10.0.0.2:80 weight=5\nserver = be1 10.0.0.1:80\n");
  BOOST_TEST((replication::pool_digest(a.pools[0]) == replication::pool_digest(b.pools[0])));
  BOOST_TEST((replication::config_digest(a) == replication::config_digest(b)));
}

BOOST_AUTO_TEST_CASE(a_different_address_name_or_sticky_kind_changes_it) {
  auto base = load("server = be1 10.0.0.1:80\n");
  auto moved = load("server = be1 10.0.0.9:80\n");
  auto renamed = load("server = web1 10.0.0.1:80\n");
  auto sticky = load("server = be1 10.0.0.1:80\n", "sticky = source\n");
  const auto d = replication::pool_digest(base.pools[0]);
  BOOST_TEST((d != replication::pool_digest(moved.pools[0])));
  BOOST_TEST((d != replication::pool_digest(renamed.pools[0])));
  BOOST_TEST((d != replication::pool_digest(sticky.pools[0])));
  BOOST_TEST((replication::config_digest(base) != replication::config_digest(moved)));
  auto fps = replication::pool_fingerprints(base);
  BOOST_TEST(fps.size() == 1u);
  BOOST_TEST(fps[0].pool == "app");
}

BOOST_AUTO_TEST_SUITE_END()
