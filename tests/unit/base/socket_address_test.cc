#define BOOST_TEST_DYN_LINK
#include "base/socket_address.h"

#include <boost/test/unit_test.hpp>

using tandem::base::SocketAddress;

BOOST_AUTO_TEST_SUITE(socket_address)

BOOST_AUTO_TEST_CASE(parses_ipv4_ipv6_and_any) {
  auto a = SocketAddress::parse("10.0.0.1:80");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->to_string() == "10.0.0.1:80");
  BOOST_TEST(a->port() == 80);
  auto b = SocketAddress::parse("[2001:db8::1]:443");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(b->to_string() == "[2001:db8::1]:443");
  auto c = SocketAddress::parse("*:8080");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->to_string() == "0.0.0.0:8080");
}

BOOST_AUTO_TEST_CASE(rejects_bad_forms_with_a_reason) {
  BOOST_TEST(SocketAddress::parse("10.0.0.1").error().message.find("missing port") != std::string::npos);
  BOOST_TEST(SocketAddress::parse("10.0.0.1:").error().message.find("missing port") != std::string::npos);
  BOOST_TEST(SocketAddress::parse("10.0.0.1:70000").error().message.find("out of range") != std::string::npos);
  BOOST_TEST(SocketAddress::parse("10.0.0.1:8x").error().message.find("bad port") != std::string::npos);
  BOOST_TEST(SocketAddress::parse("2001:db8::1:80").error().message.find("brackets") != std::string::npos);
  BOOST_TEST(SocketAddress::parse("nohost.invalid:80").error().message.find("bad address") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(equality_compares_family_address_and_port) {
  BOOST_TEST((*SocketAddress::parse("127.0.0.1:1") == *SocketAddress::parse("127.0.0.1:1")));
  BOOST_TEST(!(*SocketAddress::parse("127.0.0.1:1") == *SocketAddress::parse("127.0.0.1:2")));
}

BOOST_AUTO_TEST_CASE(ipv4_in_host_order) {
  auto v4 = SocketAddress::parse("10.77.0.100:80");
  BOOST_REQUIRE(v4.ok());
  BOOST_REQUIRE(v4->ipv4().has_value());
  BOOST_TEST(*v4->ipv4() == 0x0A4D0064u);
  auto v6 = SocketAddress::parse("[::1]:80");
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST(!v6->ipv4().has_value());
}

BOOST_AUTO_TEST_CASE(from_bytes_is_the_inverse_of_address_bytes) {
  for (const char* text : {"10.0.0.7:51234", "[2001:db8::7]:443"}) {
    auto a = SocketAddress::parse(text);
    BOOST_REQUIRE(a.ok());
    auto back = SocketAddress::from_bytes(a->address_bytes(), a->port());
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back->to_string() == text);
    BOOST_TEST((*back == *a));
  }
  BOOST_TEST(!SocketAddress::from_bytes("cookie-value", 0).has_value());
  BOOST_TEST(!SocketAddress::from_bytes("", 0).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
