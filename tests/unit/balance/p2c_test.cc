#define BOOST_TEST_DYN_LINK
#include "daemon/balance/p2c.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

using namespace tandem::balance;

namespace {

std::vector<int> histogram(PowerOfTwoChoices& p2c, const std::vector<ServerLoad>& s, int picks) {
  std::vector<int> h(s.size(), 0);
  for (int i = 0; i < picks; ++i) {
    const int p = p2c.pick(s);
    BOOST_REQUIRE(p >= 0);
    ++h[static_cast<size_t>(p)];
  }
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(p2c)

BOOST_AUTO_TEST_CASE(same_seed_same_picks) {
  const std::vector<ServerLoad> s{{0, 1, true}, {0, 1, true}, {0, 1, true}};
  PowerOfTwoChoices a(42), b(42);
  for (int i = 0; i < 100; ++i) BOOST_TEST(a.pick(s) == b.pick(s));
}

BOOST_AUTO_TEST_CASE(equal_load_follows_weights) {
  // Idle servers, and servers loaded in proportion to weight: both are
  // "equal load", and the picks must follow the weights within a few %.
  for (uint32_t scale : {0u, 7u}) {
    const std::vector<uint32_t> w{1, 2, 3, 4};
    std::vector<ServerLoad> s;
    for (uint32_t x : w) s.push_back({x * scale, x, true});
    PowerOfTwoChoices p2c(1);
    const int n = 100000;
    const auto h = histogram(p2c, s, n);
    for (size_t i = 0; i < w.size(); ++i) {
      BOOST_TEST_INFO("scale " << scale << " server " << i << " got " << h[i]);
      BOOST_TEST(std::abs(double(h[i]) / n - w[i] / 10.0) <= 0.02);
    }
  }
}

BOOST_AUTO_TEST_CASE(loaded_server_gets_fewer_picks) {
  std::vector<ServerLoad> s{{0, 1, true}, {0, 1, true}, {0, 1, true}, {0, 1, true}};
  PowerOfTwoChoices p2c(7);
  const int n = 40000;
  const auto even = histogram(p2c, s, n);
  s[2].active = 100;
  const auto skewed = histogram(p2c, s, n);
  // Chosen only when drawn twice, which cannot happen: never.
  BOOST_TEST(skewed[2] == 0);
  BOOST_TEST(even[2] > n / 5);
}

BOOST_AUTO_TEST_CASE(distinct_choices_and_edge_cases) {
  PowerOfTwoChoices p2c(3);
  const std::vector<ServerLoad> one{{0, 1, false}, {9, 3, true}, {0, 0, true}};
  for (int i = 0; i < 50; ++i) BOOST_TEST(p2c.pick(one) == 1);
  BOOST_TEST(p2c.pick(std::vector<ServerLoad>{{0, 1, false}}) == -1);
  BOOST_TEST(p2c.pick({}) == -1);
  // Two servers, the second busier: the first always wins, because the two
  // draws are distinct servers.
  const std::vector<ServerLoad> two{{1, 1, true}, {5, 1, true}};
  for (int i = 0; i < 200; ++i) BOOST_TEST(p2c.pick(two) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
