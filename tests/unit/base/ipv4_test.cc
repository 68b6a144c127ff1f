#define BOOST_TEST_DYN_LINK
#include "base/ipv4.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

using namespace tandem::base;

BOOST_AUTO_TEST_SUITE(ipv4)

BOOST_AUTO_TEST_CASE(ipv4_text) {
  BOOST_CHECK_EQUAL(format_ipv4(0x0A000001), "10.0.0.1");
  BOOST_CHECK_EQUAL(format_ipv4(0), "0.0.0.0");
  BOOST_CHECK_EQUAL(format_ipv4(0xFFFFFFFF), "255.255.255.255");
  BOOST_CHECK_EQUAL(format_ipv4(0xE0000012), "224.0.0.18");

  uint32_t a = 0;
  BOOST_CHECK(parse_ipv4("10.0.0.1", a));
  BOOST_CHECK_EQUAL(a, 0x0A000001u);
  BOOST_CHECK(parse_ipv4("255.255.255.255", a));
  BOOST_CHECK_EQUAL(a, 0xFFFFFFFFu);
  for (std::string_view bad : {"", "10.0.0", "10.0.0.1.2", "256.0.0.1", " 10.0.0.1", "10.0.0.1 ", "10.0.0.x",
                               "10.0.0.1/24", "::1", "1234567890123456"}) {
    uint32_t out = 42;
    BOOST_CHECK_MESSAGE(!parse_ipv4(bad, out), "accepted '" << bad << "'");
    BOOST_CHECK_EQUAL(out, 42u);  // untouched on failure
  }
  // Only the view is parsed, not what follows it in memory.
  std::string_view prefix = std::string_view("10.0.0.12").substr(0, 8);
  BOOST_CHECK(parse_ipv4(prefix, a));
  BOOST_CHECK_EQUAL(a, 0x0A000001u);
}

BOOST_AUTO_TEST_CASE(format_ipv4_dotted_quad) {
  BOOST_TEST(format_ipv4(0) == "0.0.0.0");
  BOOST_TEST(format_ipv4(0xE0000012u) == "224.0.0.18");
  BOOST_TEST(format_ipv4(0xFFFFFFFF) == "255.255.255.255");
}

BOOST_AUTO_TEST_SUITE_END()
