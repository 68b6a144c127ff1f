#define BOOST_TEST_DYN_LINK
#include "daemon/health/http_status_line.h"

#include <boost/test/unit_test.hpp>
#include <string>

using tandem::health::parse_status_line;
using Outcome = tandem::health::StatusLineParse::Outcome;

BOOST_AUTO_TEST_SUITE(http_status_line)

BOOST_AUTO_TEST_CASE(complete_lines_give_the_status) {
  auto a = parse_status_line("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST((a.outcome == Outcome::Done));
  BOOST_TEST(a.status == 200);
  auto b = parse_status_line("HTTP/1.0 503 Service Unavailable\r\n");
  BOOST_TEST((b.outcome == Outcome::Done));
  BOOST_TEST(b.status == 503);
  auto c = parse_status_line("HTTP/1.1 204\r\n");  // empty reason phrase, no space
  BOOST_TEST((c.outcome == Outcome::Done));
  BOOST_TEST(c.status == 204);
  auto d = parse_status_line("HTTP/1.1 404 \n");  // bare LF
  BOOST_TEST((d.outcome == Outcome::Done));
  BOOST_TEST(d.status == 404);
}

BOOST_AUTO_TEST_CASE(every_prefix_of_a_good_line_needs_more) {
  const std::string line = "HTTP/1.1 301 Moved Permanently\r\n";
  for (size_t n = 0; n < line.size(); ++n) {
    auto r = parse_status_line(std::string_view(line).substr(0, n));
    BOOST_TEST((r.outcome == Outcome::NeedMore), "prefix of length " << n);
  }
  BOOST_TEST(parse_status_line(line).status == 301);
}

BOOST_AUTO_TEST_CASE(garbage_is_bad_as_early_as_possible) {
  BOOST_TEST((parse_status_line("hello").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("H").outcome == Outcome::NeedMore));
  BOOST_TEST((parse_status_line("HTTP/2 200 OK\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 2x0 OK\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 2000 OK").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 200X").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 20\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 200\rX\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("HTTP/1.1 099 Low\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("\r\n").outcome == Outcome::Bad));
  BOOST_TEST((parse_status_line("SSH-2.0-OpenSSH_9.2\r\n").outcome == Outcome::Bad));
}

BOOST_AUTO_TEST_SUITE_END()
