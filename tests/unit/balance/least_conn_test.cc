#define BOOST_TEST_DYN_LINK
#include "daemon/balance/least_conn.h"

#include <boost/test/unit_test.hpp>
#include <vector>

using namespace tandem::balance;

BOOST_AUTO_TEST_SUITE(least_conn)

BOOST_AUTO_TEST_CASE(picks_least_active_per_weight) {
  std::vector<ServerLoad> s{{10, 1, true}, {3, 1, true}, {7, 1, true}};
  BOOST_TEST(least_conn_pick(s, 0) == 1);
  // (19+1)/10 = 2 beats (2+1)/1 = 3.
  s = {{19, 10, true}, {2, 1, true}};
  BOOST_TEST(least_conn_pick(s, 0) == 0);
  s = {{20, 10, true}, {1, 1, true}};  // 21/10 > 2/1
  BOOST_TEST(least_conn_pick(s, 0) == 1);
}

BOOST_AUTO_TEST_CASE(weights_count_when_idle) {
  // Every server idle: the heavier one wins, where active/weight would tie.
  const std::vector<ServerLoad> s{{0, 1, true}, {0, 10, true}};
  BOOST_TEST(least_conn_pick(s, 0) == 1);
}

BOOST_AUTO_TEST_CASE(skips_ineligible_and_zero_weight) {
  std::vector<ServerLoad> s{{0, 1, false}, {0, 0, true}, {50, 1, true}};
  BOOST_TEST(least_conn_pick(s, 0) == 2);
  s[2].eligible = false;
  BOOST_TEST(least_conn_pick(s, 0) == -1);
  BOOST_TEST(least_conn_pick({}, 0) == -1);
}

BOOST_AUTO_TEST_CASE(ties_rotate_so_equal_servers_share) {
  const std::vector<ServerLoad> s{{2, 1, true}, {5, 1, false}, {2, 1, true}, {2, 1, true}, {9, 1, true}};
  LeastConn lc;
  std::vector<int> got;
  for (int i = 0; i < 6; ++i) got.push_back(lc.pick(s));
  const std::vector<int> want{0, 2, 3, 0, 2, 3};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(simulated_load_tracks_weights) {
  // Connections that never close: counts must end proportional to weights.
  std::vector<ServerLoad> s{{0, 1, true}, {0, 2, true}, {0, 5, true}};
  LeastConn lc;
  for (int i = 0; i < 800; ++i) ++s[static_cast<size_t>(lc.pick(s))].active;
  BOOST_TEST(s[0].active == 100u);
  BOOST_TEST(s[1].active == 200u);
  BOOST_TEST(s[2].active == 500u);
}

BOOST_AUTO_TEST_SUITE_END()
