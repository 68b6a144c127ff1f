#define BOOST_TEST_DYN_LINK
#include "daemon/http/head_writer.h"

#include <boost/test/unit_test.hpp>

#include <string>

#include "http/request_parser.h"
#include "http/response_parser.h"

using namespace tandem;
using namespace tandem::http_proxy;

namespace {

// Parses `text` as a request and writes its forwarded head.
std::string forward(const std::string& text, RequestForwarding f) {
  http::RequestParser p{http::Limits{}};
  BOOST_REQUIRE(p.feed(text) == http::ParseStatus::Done);
  base::ByteBuffer out;
  std::string scratch;
  write_request_head(p.head(), f, &out, &scratch);
  return std::string(out.view());
}

RequestForwarding defaults() {
  RequestForwarding f;
  f.client_ip = "10.0.0.5";
  f.frontend_port = "80";
  f.request_id_header = "X-Request-Id";
  f.request_id = "0123456789abcdef0123456789abcdef";
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(head_writer)

BOOST_AUTO_TEST_CASE(forwarded_request_has_the_forwarding_fields_and_no_hop_by_hop_ones) {
  std::string out = forward(
      "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\n"
      "X-Secret: 1\r\nAccept: */*\r\nX-Forwarded-Proto: gopher\r\n\r\n",
      defaults());
  BOOST_TEST(out ==
             "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.5\r\n"
             "X-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\n"
             "X-Request-Id: 0123456789abcdef0123456789abcdef\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(an_http10_request_goes_on_as_http10_asking_for_keep_alive) {
  std::string out = forward("GET /old HTTP/1.0\r\nConnection: close\r\n\r\n", defaults());
  BOOST_TEST(out.starts_with("GET /old HTTP/1.0\r\n"));
  BOOST_TEST(out.find("Connection: keep-alive\r\n") != std::string::npos);
  BOOST_TEST(out.find("Connection: close") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(x_forwarded_for_appends_the_client_to_what_came) {
  std::string out = forward("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n\r\n",
                            defaults());
  BOOST_TEST(out.find("X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.5\r\n") != std::string::npos);
  BOOST_TEST(out.find("X-Forwarded-For", out.find("X-Forwarded-For") + 1) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_valid_request_id_is_passed_on_an_invalid_one_replaced) {
  std::string kept = forward("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123\r\n\r\n", defaults());
  BOOST_TEST(kept.find("X-Request-Id: abc-123\r\n") != std::string::npos);
  BOOST_TEST(kept.find("0123456789abcdef") == std::string::npos);
  std::string replaced = forward("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: " + std::string(200, 'a') + "\r\n\r\n",
                                 defaults());
  BOOST_TEST(replaced.find("X-Request-Id: 0123456789abcdef0123456789abcdef\r\n") != std::string::npos);
  BOOST_TEST(replaced.find(std::string(200, 'a')) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(rfc7239_forwarded_quotes_v6_and_host) {
  RequestForwarding f = defaults();
  f.forwarded = conf::ForwardedMode::Forwarded;
  f.client_ip = "2001:db8::1";
  f.client_ip_v6 = true;
  std::string out = forward("GET / HTTP/1.1\r\nHost: ex.com:8080\r\n\r\n", f);
  BOOST_TEST(out.find("Forwarded: for=\"[2001:db8::1]\";proto=http;host=\"ex.com:8080\"\r\n") != std::string::npos);
  BOOST_TEST(out.find("X-Forwarded-For") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(tandems_sticky_cookie_is_removed) {
  RequestForwarding f = defaults();
  f.strip_cookie = "TANDEMID";
  std::string out = forward("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; TANDEMID=00ff; b=2\r\nCookie: TANDEMID=1\r\n\r\n", f);
  BOOST_TEST(out.find("Cookie: a=1; b=2\r\n") != std::string::npos);
  BOOST_TEST(out.find("TANDEMID") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(upgrade_is_passed_on_only_when_upgrading) {
  std::string req = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  BOOST_TEST(forward(req, defaults()).find("Upgrade") == std::string::npos);
  RequestForwarding f = defaults();
  f.upgrade = true;
  std::string out = forward(req, f);
  BOOST_TEST(out.find("Upgrade: websocket\r\n") != std::string::npos);
  BOOST_TEST(out.find("Connection: upgrade\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(response_head_says_close_or_keep_alive_and_adds_cookie_and_id) {
  http::ResponseParser p{http::Limits{}};
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok";
  BOOST_REQUIRE(p.feed(text, "GET") == http::ParseStatus::Done);
  base::ByteBuffer out;
  ResponseForwarding f;
  f.close = true;
  f.request_id_header = "X-Request-Id";
  f.request_id = "r1";
  f.set_cookie = "TANDEMID=00; Path=/; HttpOnly";
  write_response_head(p.head(), f, &out);
  BOOST_TEST(out.view() ==
             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Request-Id: r1\r\nSet-Cookie: TANDEMID=00; Path=/; HttpOnly\r\n"
             "Connection: close\r\n\r\n");
  out.clear();
  ResponseForwarding ka;
  ka.http10_keep_alive = true;
  write_response_head(p.head(), ka, &out);
  BOOST_TEST(out.view() == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(own_response_is_short_and_complete) {
  base::ByteBuffer out;
  write_own_response(503, false, "X-Request-Id", "r9", &out);
  BOOST_TEST(out.view() ==
             "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 24\r\n"
             "X-Request-Id: r9\r\n\r\n503 Service Unavailable\n");
  out.clear();
  write_own_response(400, true, "", "", &out);
  BOOST_TEST(out.view() ==
             "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
             "400 Bad Request\n");
}

BOOST_AUTO_TEST_SUITE_END()
