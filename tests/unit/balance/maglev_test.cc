#define BOOST_TEST_DYN_LINK
#include "daemon/balance/maglev.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "daemon/balance/hash.h"

using namespace tandem::balance;

namespace {

std::vector<MaglevBackend> equal_backends(int n) {
  std::vector<MaglevBackend> v;
  for (int i = 0; i < n; ++i) v.push_back({hash_bytes("server" + std::to_string(i)), 1});
  return v;
}

std::vector<size_t> slot_counts(const std::vector<int32_t>& table, size_t n) {
  std::vector<size_t> counts(n, 0);
  for (int32_t b : table) {
    BOOST_REQUIRE(b >= 0);
    BOOST_REQUIRE(static_cast<size_t>(b) < n);
    ++counts[static_cast<size_t>(b)];
  }
  return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(maglev)

BOOST_AUTO_TEST_CASE(is_prime_knows_small_and_table_sizes) {
  BOOST_TEST(!is_prime(0));
  BOOST_TEST(!is_prime(1));
  BOOST_TEST(is_prime(2));
  BOOST_TEST(is_prime(13));
  BOOST_TEST(!is_prime(65535));
  BOOST_TEST(is_prime(65537));
  BOOST_TEST(!is_prime(65537u * 3));
}

BOOST_AUTO_TEST_CASE(determinism) {
  const auto backends = equal_backends(7);
  BOOST_TEST(build_maglev_table(backends) == build_maglev_table(backends));
}

BOOST_AUTO_TEST_CASE(golden_tiny_table) {
  // Pinned so that a change of the construction is seen: nodes of two
  // releases must build the same table. Change only on purpose.
  const std::vector<MaglevBackend> b{{hash_bytes("be1"), 1}, {hash_bytes("be2"), 1}, {hash_bytes("be3"), 2}};
  const std::vector<int32_t> small{1, 2, 2, 0, 2, 0, 1, 2, 2, 0, 2, 1, 2};
  BOOST_TEST(build_maglev_table(b, 13) == small, boost::test_tools::per_element());
  const auto big = build_maglev_table(b);
  const std::vector<int32_t> prefix{1, 0, 1, 2, 2, 0, 2, 0, 2, 2, 2, 0, 0, 1, 2, 2, 0, 2, 0, 1};
  BOOST_REQUIRE(big.size() == 65537u);
  BOOST_TEST(std::vector<int32_t>(big.begin(), big.begin() + 20) == prefix, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(input_order_does_not_matter) {
  auto backends = equal_backends(9);
  backends[3].weight = 5;
  const auto table = build_maglev_table(backends);
  auto reversed = backends;
  std::reverse(reversed.begin(), reversed.end());
  const auto table_r = build_maglev_table(reversed);
  BOOST_REQUIRE(table.size() == table_r.size());
  const auto n = static_cast<int32_t>(backends.size());
  size_t differ = 0;
  for (size_t i = 0; i < table.size(); ++i) differ += (table[i] != n - 1 - table_r[i]);
  BOOST_TEST(differ == 0u);
}

BOOST_AUTO_TEST_CASE(every_slot_filled_and_shares_follow_weights) {
  const std::vector<uint32_t> weights{1, 2, 3, 4, 100, 10};
  std::vector<MaglevBackend> backends;
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    backends.push_back({hash_bytes("be" + std::to_string(i)), weights[i]});
    total += weights[i];
  }
  const auto table = build_maglev_table(backends);
  const auto counts = slot_counts(table, backends.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    const double share = double(counts[i]) / double(table.size());
    const double want = weights[i] / total;
    BOOST_TEST_INFO("backend " << i << " share " << share << " want " << want);
    BOOST_TEST(std::abs(share - want) <= 0.01 * want + 1.0 / double(table.size()));
  }
}

BOOST_AUTO_TEST_CASE(equal_backends_get_equal_shares) {
  const auto backends = equal_backends(10);
  const auto table = build_maglev_table(backends);
  for (size_t c : slot_counts(table, backends.size())) {
    BOOST_TEST(std::abs(double(c) / double(table.size()) - 0.1) <= 0.001);
  }
}

BOOST_AUTO_TEST_CASE(removing_one_of_n_moves_about_one_nth) {
  for (int n : {3, 5, 10, 40}) {
    const auto backends = equal_backends(n);
    const auto before = build_maglev_table(backends);
    const size_t gone = 1;
    auto rest = backends;
    rest.erase(rest.begin() + gone);
    const auto after = build_maglev_table(rest);
    size_t changed = 0, collateral = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      // Map the smaller set's indices back to the original numbering.
      const int32_t now = after[i] >= static_cast<int32_t>(gone) ? after[i] + 1 : after[i];
      if (now == before[i]) continue;
      ++changed;
      if (before[i] != static_cast<int32_t>(gone)) ++collateral;  // moved without need
    }
    const double size = double(before.size());
    BOOST_TEST_INFO("n=" << n << " changed " << changed / size << " collateral " << collateral / size);
    BOOST_TEST(changed / size <= 1.0 / n + 0.02);
    BOOST_TEST(changed / size >= 1.0 / n - 0.01);
    BOOST_TEST(collateral / size <= 0.01);
  }
}

BOOST_AUTO_TEST_CASE(zero_weight_takes_no_slots_and_no_weight_means_no_backend) {
  auto backends = equal_backends(3);
  backends[1].weight = 0;
  const auto counts = slot_counts(build_maglev_table(backends), 3);
  BOOST_TEST(counts[1] == 0u);
  BOOST_TEST(counts[0] + counts[2] == 65537u);

  backends[0].weight = backends[2].weight = 0;
  const auto none = build_maglev_table(backends);
  BOOST_TEST(std::all_of(none.begin(), none.end(), [](int32_t b) { return b == -1; }));
  BOOST_TEST(build_maglev_table({}).size() == 65537u);
  BOOST_TEST(maglev_lookup(none, 12345) == -1);
  BOOST_TEST(maglev_lookup({}, 12345) == -1);
}

BOOST_AUTO_TEST_CASE(non_prime_size_rounds_up_and_lookup_uses_table_size) {
  const auto backends = equal_backends(2);
  const auto table = build_maglev_table(backends, 100);
  BOOST_TEST(table.size() == 101u);
  BOOST_TEST(build_maglev_table(backends, 0).size() == 2u);
  const uint64_t key = hash_bytes("client");
  BOOST_TEST(maglev_lookup(table, key) == table[key % 101]);
}

BOOST_AUTO_TEST_SUITE_END()
