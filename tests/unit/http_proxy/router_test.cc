#define BOOST_TEST_DYN_LINK
#include "daemon/http/router.h"

#include <boost/test/unit_test.hpp>

#include <string>

#include "http/request_parser.h"

using namespace tandem;
using namespace tandem::http_proxy;

namespace {

conf::RouteConf route(conf::RouteConf::Kind kind, std::string value, std::string header = "") {
  conf::RouteConf r;
  r.kind = kind;
  r.value = std::move(value);
  r.header = std::move(header);
  return r;
}

uint32_t route_of(const Router& router, const std::string& request) {
  http::RequestParser p{http::Limits{}};
  BOOST_REQUIRE(p.feed(request) == http::ParseStatus::Done);
  return router.route(p.head());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(first_match_wins_else_the_default_pool) {
  using K = conf::RouteConf::Kind;
  std::vector<conf::RouteConf> routes = {route(K::Host, "api.example.com"), route(K::PathPrefix, "/static/"),
                                         route(K::Header, "canary", "X-Env"), route(K::Host, "*.example.com")};
  Router r(routes, {1, 2, 3, 4}, 0);
  BOOST_TEST(route_of(r, "GET /static/x HTTP/1.1\r\nHost: API.Example.com:8080\r\n\r\n") == 1u);
  BOOST_TEST(route_of(r, "GET /static/x HTTP/1.1\r\nHost: www.example.com\r\n\r\n") == 2u);
  BOOST_TEST(route_of(r, "GET /x HTTP/1.1\r\nHost: other\r\nx-env: canary\r\n\r\n") == 3u);
  BOOST_TEST(route_of(r, "GET /x HTTP/1.1\r\nHost: other\r\nX-Env: canary2\r\n\r\n") == 0u);
  BOOST_TEST(route_of(r, "GET /x HTTP/1.1\r\nHost: a.b.example.com\r\n\r\n") == 4u);
  BOOST_TEST(route_of(r, "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n") == 0u);  // *. needs a subdomain
  BOOST_TEST(route_of(r, "GET /stat HTTP/1.1\r\nHost: x\r\n\r\n") == 0u);
  BOOST_TEST(route_of(r, "GET http://x/static/a HTTP/1.1\r\nHost: x\r\n\r\n") == 2u);  // absolute-form
}

BOOST_AUTO_TEST_CASE(host_normalization) {
  char buf[256];
  BOOST_TEST(Router::normalize_host("Example.COM:443", buf) == "example.com");
  BOOST_TEST(Router::normalize_host("[2001:DB8::1]:80", buf) == "[2001:db8::1]");
  BOOST_TEST(Router::normalize_host(std::string(300, 'a'), buf).empty());
}

BOOST_AUTO_TEST_SUITE_END()
