#define BOOST_TEST_DYN_LINK
#include "daemon/balance/hash.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

using namespace tandem::balance;

BOOST_AUTO_TEST_SUITE(hash)

BOOST_AUTO_TEST_CASE(fnv1a_matches_published_vectors) {
  static_assert(fnv1a64("") == 0xcbf29ce484222325ULL);
  BOOST_TEST(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  BOOST_TEST(fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

// Golden values: two nodes (and two releases) must agree on them, or every
// `source`-balanced client moves. Change only on purpose.
BOOST_AUTO_TEST_CASE(hash_bytes_is_stable) {
  static_assert(hash_bytes("be1") == 0x8fe365cfc921e567ULL);
  BOOST_TEST(hash_bytes("") == 0xefd01f60ba992926ULL);
  BOOST_TEST(hash_bytes("a") == 0x82a2a958a9bece5bULL);
  BOOST_TEST(hash_bytes("10.0.0.1") == 0xc879e56ddc6c5c88ULL);
}

BOOST_AUTO_TEST_CASE(low_and_high_bits_of_ipv4_keys_spread) {
  // Consecutive IPv4 addresses (4 raw bytes) must spread over small moduli and
  // top bits alike, since callers use both `% size` and shifts.
  std::set<uint64_t> low, high;
  for (uint32_t i = 0; i < 256; ++i) {
    const char bytes[4] = {10, 0, 0, static_cast<char>(i)};
    const uint64_t h = hash_bytes(std::string_view(bytes, 4));
    low.insert(h % 16);
    high.insert(h >> 60);
  }
  BOOST_TEST(low.size() == 16u);
  BOOST_TEST(high.size() == 16u);
}

BOOST_AUTO_TEST_SUITE_END()
