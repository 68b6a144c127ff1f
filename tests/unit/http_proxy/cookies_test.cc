#define BOOST_TEST_DYN_LINK
#include "daemon/http/cookies.h"

#include <boost/test/unit_test.hpp>

#include <string>

#include "http/request_parser.h"

using namespace tandem;
using namespace tandem::http_proxy;

BOOST_AUTO_TEST_SUITE(cookies)

BOOST_AUTO_TEST_CASE(find_cookie_across_fields) {
  http::RequestParser p{http::Limits{}};
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; JSESSIONID=\"xyz\"\r\nCookie: b=2\r\n\r\n";
  BOOST_REQUIRE(p.feed(req) == http::ParseStatus::Done);
  BOOST_TEST(find_cookie(p.head(), "JSESSIONID") == "xyz");
  BOOST_TEST(find_cookie(p.head(), "b") == "2");
  BOOST_TEST(find_cookie(p.head(), "JSESSION").empty());
}

BOOST_AUTO_TEST_CASE(strip_and_set_cookie) {
  std::string out;
  strip_cookie("TANDEMID=1", "TANDEMID", &out);
  BOOST_TEST(out.empty());
  strip_cookie(" x=1 ;TANDEMID=2;y=3", "TANDEMID", &out);
  BOOST_TEST(out == "x=1; y=3");
  BOOST_TEST(set_cookie_value("JSESSIONID=abc; Path=/; HttpOnly", "JSESSIONID") == "abc");
  BOOST_TEST(set_cookie_value("Other=abc; JSESSIONID=zz", "JSESSIONID").empty());
}

BOOST_AUTO_TEST_CASE(server_cookie_id_is_stable_and_opaque) {
  char a[16], b[16], c[16];
  server_cookie_id("app", "be1", a);
  server_cookie_id("app", "be1", b);
  server_cookie_id("app", "be2", c);
  BOOST_TEST(std::string(a, 16) == std::string(b, 16));
  BOOST_TEST(std::string(a, 16) != std::string(c, 16));
  // Pinned: both nodes and every release must agree on it (a changed hash
  // would move every cookie-sticky client at upgrade).
  BOOST_TEST(std::string(a, 16) == "0f9a5411eec1d348");
}

BOOST_AUTO_TEST_SUITE_END()
