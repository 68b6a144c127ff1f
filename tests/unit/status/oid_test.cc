#define BOOST_TEST_DYN_LINK
#include "daemon/status/oid.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/status/printers.h"

#include <algorithm>
#include <vector>

using tandem::status::Oid;

BOOST_AUTO_TEST_SUITE(oid)

BOOST_AUTO_TEST_CASE(parses_with_or_without_leading_dot_and_prints_with_one) {
  auto a = Oid::parse("1.3.6.1.4.1.32473.7");
  auto b = Oid::parse(".1.3.6.1.4.1.32473.7");
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(*a == *b);
  BOOST_TEST(a->to_string() == ".1.3.6.1.4.1.32473.7");
  BOOST_TEST(a->size() == 8u);
  BOOST_TEST(Oid::parse("0")->to_string() == ".0");
  BOOST_TEST(Oid::parse("1.4294967295")->components().back() == 4294967295u);
  BOOST_TEST(Oid::parse("1.007")->to_string() == ".1.7");
  BOOST_TEST(Oid().to_string() == "");
}

BOOST_AUTO_TEST_CASE(rejects_junk_with_a_reason) {
  auto reason = [](const char* text) {
    auto r = Oid::parse(text);
    return r.ok() ? std::string("accepted") : r.error().message;
  };
  BOOST_TEST(reason("").find("empty") != std::string::npos);
  BOOST_TEST(reason(".").find("empty") != std::string::npos);
  BOOST_TEST(reason("1..2").find("empty component") != std::string::npos);
  BOOST_TEST(reason("1.2.").find("empty component") != std::string::npos);
  BOOST_TEST(reason("..1").find("empty component") != std::string::npos);
  BOOST_TEST(reason("1.x.3").find("decimal") != std::string::npos);
  BOOST_TEST(reason("1.-3").find("decimal") != std::string::npos);
  BOOST_TEST(reason("1. 3").find("decimal") != std::string::npos);
  BOOST_TEST(reason("iso.3.6").find("decimal") != std::string::npos);
  BOOST_TEST(reason("1.4294967296").find("4294967295") != std::string::npos);
  BOOST_TEST(reason("1.99999999999999999999999").find("4294967295") != std::string::npos);
  BOOST_TEST(reason("1.x").find("'1.x'") != std::string::npos);
  std::string long_oid = "1";
  for (int i = 0; i < 128; ++i) long_oid += ".1";
  BOOST_TEST(reason(long_oid.c_str()).find("128") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(orders_lexicographically_by_component) {
  const Oid a{1, 2}, b{1, 2, 0}, c{1, 9}, d{1, 10}, e{2};
  BOOST_TEST((a < b));
  BOOST_TEST((b < c));
  BOOST_TEST((c < d));  // numeric, not textual: .1.10 after .1.9
  BOOST_TEST((d < e));
  BOOST_TEST(!(b < a));
  BOOST_TEST((Oid{} < a));
  std::vector<Oid> v{e, d, c, b, a};
  std::sort(v.begin(), v.end());
  BOOST_TEST((v == std::vector<Oid>{a, b, c, d, e}));
}

BOOST_AUTO_TEST_CASE(prefix_and_child) {
  const Oid base{1, 3, 6, 1, 4, 1, 32473, 7};
  const Oid leaf = base.child({3, 1, 2, 5});
  BOOST_TEST(leaf.to_string() == ".1.3.6.1.4.1.32473.7.3.1.2.5");
  BOOST_TEST(base.is_prefix_of(leaf));
  BOOST_TEST(base.is_prefix_of(base));
  BOOST_TEST(!leaf.is_prefix_of(base));
  BOOST_TEST(Oid().is_prefix_of(base));
  BOOST_TEST(!(Oid{1, 3, 6, 2}.is_prefix_of(leaf)));
  BOOST_TEST(!(Oid{1, 1}.is_prefix_of(Oid{1, 10})));  // components, not text
  Oid built = base;
  built.append(1).append(2);
  BOOST_TEST(built == base.child(Oid{1, 2}));
}

BOOST_AUTO_TEST_SUITE_END()
