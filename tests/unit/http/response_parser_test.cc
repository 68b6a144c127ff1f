#define BOOST_TEST_DYN_LINK
#include "http/response_parser.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace tandem::http;
using namespace std::string_literals;  // "..."s keeps NUL bytes

namespace {

struct Parsed {
  ParseStatus status;
  ParseError error;
  BodyKind body;
  uint64_t content_length;
  bool keep_alive;
};

Parsed parse(const std::string& response, std::string_view method = "GET", Limits limits = {}) {
  ResponseParser p(limits);
  const ParseStatus s = p.feed(response, method);
  // The same bytes one at a time must end the same way.
  ResponseParser q(limits);
  ParseStatus b = ParseStatus::NeedMore;
  for (size_t n = 1; n <= response.size() && b == ParseStatus::NeedMore; ++n) b = q.feed(response.substr(0, n), method);
  BOOST_TEST((b == s));
  BOOST_TEST((q.error() == p.error()));
  return Parsed{s, p.error(), p.head().body, p.head().content_length, p.head().keep_alive};
}

std::string refusal(const std::string& response, std::string_view method = "GET") {
  const Parsed r = parse(response, method);
  if (r.status != ParseStatus::Error) return "(not refused)";
  return to_string(r.error);
}

std::string expected(ParseError e) { return to_string(e); }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_response_parser)

BOOST_AUTO_TEST_CASE(parses_a_response_with_content_length) {
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=b\r\n\r\nhello";
  ResponseParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed(r, "GET") == ParseStatus::Done));
  const MessageHead& h = p.head();
  BOOST_TEST(h.status == 200);
  BOOST_TEST(h.reason == "OK");
  BOOST_TEST(h.method.empty());
  BOOST_TEST(h.version_minor == 1);
  BOOST_TEST((h.body == BodyKind::Length));
  BOOST_TEST(h.content_length == 5u);
  BOOST_TEST(h.head_size == r.size() - 5);
  BOOST_TEST(h.find("set-cookie")->value == "a=b");
  BOOST_TEST(h.keep_alive);
}

BOOST_AUTO_TEST_CASE(reason_phrase_forms) {
  ResponseParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("HTTP/1.1 404 Not \tFound \xe9\r\nContent-Length: 0\r\n\r\n", "GET") == ParseStatus::Done));
  BOOST_TEST(p.head().reason == "Not \tFound \xe9");
  p.reset();
  BOOST_TEST_REQUIRE((p.feed("HTTP/1.1 204 \r\n\r\n", "GET") == ParseStatus::Done));
  BOOST_TEST(p.head().reason.empty());
  p.reset();
  BOOST_TEST_REQUIRE((p.feed("HTTP/1.1 204\r\n\r\n", "GET") == ParseStatus::Done));  // no SP: tolerated
  BOOST_TEST(p.head().status == 204);
}

BOOST_AUTO_TEST_CASE(chunked_response) {
  const Parsed r = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  BOOST_TEST((r.body == BodyKind::Chunked));
}

BOOST_AUTO_TEST_CASE(no_framing_means_until_close) {
  const Parsed r = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
  BOOST_TEST((r.body == BodyKind::UntilClose));
  BOOST_TEST(!r.keep_alive);
}

BOOST_AUTO_TEST_CASE(responses_without_a_body) {
  const std::string framed = " X\r\nContent-Length: 10\r\n\r\n";
  for (const char* status : {"100", "101", "103", "204", "304"}) {
    BOOST_TEST_CONTEXT(status) {
      const Parsed r = parse(std::string("HTTP/1.1 ") + status + framed);
      BOOST_TEST((r.status == ParseStatus::Done));
      BOOST_TEST((r.body == BodyKind::None));
      BOOST_TEST(r.content_length == 0u);
    }
  }
  const Parsed head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD");
  BOOST_TEST((head.body == BodyKind::None));
  BOOST_TEST(head.keep_alive);
  const Parsed head_no_cl = parse("HTTP/1.1 200 OK\r\n\r\n", "HEAD");
  BOOST_TEST((head_no_cl.body == BodyKind::None));
  BOOST_TEST(head_no_cl.keep_alive);
  const Parsed connect = parse("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT");
  BOOST_TEST((connect.body == BodyKind::None));
  const Parsed connect_refused = parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\n", "CONNECT");
  BOOST_TEST((connect_refused.body == BodyKind::Length));
}

BOOST_AUTO_TEST_CASE(keep_alive_of_http10_responses) {
  BOOST_TEST(!parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  BOOST_TEST(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
  BOOST_TEST(!parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
}

BOOST_AUTO_TEST_CASE(no_host_needed) {
  BOOST_TEST((parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").status == ParseStatus::Done));
}

// --- the key refusals, response side ---

BOOST_AUTO_TEST_CASE(refuses_content_length_with_transfer_encoding) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") ==
             expected(ParseError::ContentLengthWithTransferEncoding));
}

BOOST_AUTO_TEST_CASE(refuses_conflicting_content_length) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n") ==
             expected(ParseError::ConflictingContentLength));
}

BOOST_AUTO_TEST_CASE(refuses_bad_content_length) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") == expected(ParseError::BadContentLength));
}

BOOST_AUTO_TEST_CASE(refuses_transfer_encoding_other_than_chunked) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
             expected(ParseError::BadTransferEncoding));
}

BOOST_AUTO_TEST_CASE(refuses_transfer_encoding_in_http10) {
  BOOST_TEST(refusal("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") ==
             expected(ParseError::TransferEncodingInHttp10));
}

BOOST_AUTO_TEST_CASE(refuses_contradicting_framing_even_without_a_body) {
  BOOST_TEST(refusal("HTTP/1.1 304 Not Modified\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
             expected(ParseError::ConflictingContentLength));
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD") ==
             expected(ParseError::ContentLengthWithTransferEncoding));
}

BOOST_AUTO_TEST_CASE(refuses_obs_fold) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n") == expected(ParseError::ObsFold));
}

BOOST_AUTO_TEST_CASE(refuses_bare_lf_and_bare_cr) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n") == expected(ParseError::BareLF));
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n") == expected(ParseError::BareCR));
}

BOOST_AUTO_TEST_CASE(refuses_field_rule_breaks) {
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n") == expected(ParseError::WhitespaceBeforeColon));
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\n: x\r\n\r\n") == expected(ParseError::BadFieldName));
  BOOST_TEST(refusal("HTTP/1.1 200 OK\r\nX-A: \0\r\n\r\n"s) == expected(ParseError::InvalidByte));
}

BOOST_AUTO_TEST_CASE(refuses_malformed_status_lines) {
  for (const char* line : {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1  200 OK", "HTTP/1.1 099 Low",
                           "HTTP/1.1 600 High", "http/1.1 200 OK", "HTTP/1.1 2x0 OK", "ICY 200 OK", "HTTP/1.1",
                           "HTTP/1.1 200 O\x01K", "HTTP/1.1 200x"}) {
    BOOST_TEST_CONTEXT(line) {
      BOOST_TEST(refusal(std::string(line) + "\r\nContent-Length: 0\r\n\r\n") == expected(ParseError::BadStatusLine));
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_unsupported_versions) {
  BOOST_TEST(refusal("HTTP/2.0 200 OK\r\n\r\n") == expected(ParseError::BadVersion));
  BOOST_TEST(refusal("HTTP/1.2 200 OK\r\n\r\n") == expected(ParseError::BadVersion));
}

BOOST_AUTO_TEST_CASE(refuses_an_empty_line_before_the_status_line) {
  BOOST_TEST(refusal("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") == expected(ParseError::BadStatusLine));
}

BOOST_AUTO_TEST_CASE(limits_apply_to_responses) {
  Limits limits;
  limits.max_line = 32;
  const Parsed line = parse("HTTP/1.1 200 " + std::string(40, 'k') + "\r\n\r\n", "GET", limits);
  BOOST_TEST((line.error == ParseError::LineTooLong));
  const Parsed field = parse("HTTP/1.1 200 OK\r\nX-A: " + std::string(40, 'v') + "\r\n\r\n", "GET", limits);
  BOOST_TEST((field.error == ParseError::LineTooLong));
  limits.max_headers = 2;
  const Parsed many = parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", "GET", limits);
  BOOST_TEST((many.error == ParseError::TooManyHeaders));
}

BOOST_AUTO_TEST_CASE(interim_then_final_response) {
  const std::string both = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  ResponseParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed(both, "POST") == ParseStatus::Done));
  BOOST_TEST(p.head().status == 100);
  const size_t first = p.head().head_size;
  p.reset();
  BOOST_TEST_REQUIRE((p.feed(std::string_view(both).substr(first), "POST") == ParseStatus::Done));
  BOOST_TEST(p.head().status == 201);
  BOOST_TEST(p.head().content_length == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
