#define BOOST_TEST_DYN_LINK
#include "daemon/balance/smooth_wrr.h"

#include <boost/test/unit_test.hpp>
#include <numeric>
#include <vector>

using namespace tandem::balance;

BOOST_AUTO_TEST_SUITE(smooth_wrr)

BOOST_AUTO_TEST_CASE(nginx_sequence_for_5_1_1) {
  SmoothWrr wrr;
  const std::vector<uint32_t> w{5, 1, 1};
  std::vector<int> got;
  for (int i = 0; i < 7; ++i) got.push_back(wrr.pick(w));
  const std::vector<int> want{0, 0, 1, 0, 2, 0, 0};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(exact_counts_over_whole_cycles_and_interleaved) {
  const std::vector<std::vector<uint32_t>> cases{{5, 1, 1}, {1, 1, 1, 1}, {3, 0, 7, 2}, {100, 1}, {1}};
  for (const auto& w : cases) {
    SmoothWrr wrr;
    const uint32_t sum = std::accumulate(w.begin(), w.end(), 0u);
    const uint32_t k = 3;
    std::vector<uint32_t> counts(w.size(), 0);
    int last = -1, run = 0, max_run = 0;
    for (uint32_t i = 0; i < k * sum; ++i) {
      const int p = wrr.pick(w);
      BOOST_REQUIRE(p >= 0);
      ++counts[static_cast<size_t>(p)];
      run = (p == last) ? run + 1 : 1;
      last = p;
      if (p == 0) max_run = std::max(max_run, run);
    }
    for (size_t i = 0; i < w.size(); ++i) BOOST_TEST(counts[i] == k * w[i]);
    if (w == cases[0]) BOOST_TEST(max_run < 5);  // never a a a a a in a row
  }
}

BOOST_AUTO_TEST_CASE(zero_weights_are_skipped_and_none_gives_minus_one) {
  SmoothWrr wrr;
  const std::vector<uint32_t> w{0, 2, 0};
  for (int i = 0; i < 5; ++i) BOOST_TEST(wrr.pick(w) == 1);
  BOOST_TEST(wrr.pick(std::vector<uint32_t>{0, 0}) == -1);
  BOOST_TEST(wrr.pick(std::vector<uint32_t>{}) == -1);
}

BOOST_AUTO_TEST_CASE(reset_restarts_the_sequence_and_resizing_resets) {
  SmoothWrr wrr;
  const std::vector<uint32_t> w{5, 1, 1};
  wrr.pick(w);
  wrr.pick(w);
  wrr.reset(3);
  BOOST_TEST(wrr.pick(w) == 0);
  BOOST_TEST(wrr.pick(w) == 0);
  BOOST_TEST(wrr.pick(w) == 1);
  const std::vector<uint32_t> two{1, 1};
  BOOST_TEST(wrr.pick(two) == 0);  // new size: fresh state, first on ties
  BOOST_TEST(wrr.pick(two) == 1);
}

BOOST_AUTO_TEST_CASE(huge_weights_do_not_overflow) {
  SmoothWrr wrr;
  const std::vector<uint32_t> w{0xffffffffu, 0xffffffffu, 1};
  int third = 0;
  for (int i = 0; i < 1000; ++i) third += (wrr.pick(w) == 2);
  BOOST_TEST(third == 0);
}

BOOST_AUTO_TEST_SUITE_END()
