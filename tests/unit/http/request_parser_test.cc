#define BOOST_TEST_DYN_LINK
#include "http/request_parser.h"

#include <boost/test/unit_test.hpp>
#include <random>
#include <string>
#include <vector>

using namespace tandem::http;

namespace {

const std::string kGet =
    "GET /cart?id=7 HTTP/1.1\r\n"
    "Host: shop.example.com:8080\r\n"
    "User-Agent: test/1.0\r\n"
    "Accept:*/*\r\n"
    "X-Spaces: \t padded value \t\r\n"
    "\r\n";

// Everything a test compares between two parses, as owned strings.
std::string summary(const RequestParser& p, ParseStatus s) {
  if (s == ParseStatus::NeedMore) return "need-more";
  if (s == ParseStatus::Error) return std::string("error: ") + to_string(p.error());
  const MessageHead& h = p.head();
  std::string out = std::string(h.method) + " " + std::string(h.target) + " 1." + std::to_string(h.version_minor) +
                    " size=" + std::to_string(h.head_size) + " body=" + std::to_string(int(h.body)) +
                    " cl=" + std::to_string(h.content_length) + " ka=" + std::to_string(h.keep_alive) +
                    " host=" + std::string(h.host) + "\n";
  for (const Header& f : h.headers) out += std::string(f.name) + "=" + std::string(f.value) + "\n";
  return out;
}

std::string parse_whole(const std::string& data, Limits limits = {}) {
  RequestParser p(limits);
  return summary(p, p.feed(data));
}

// Feeds growing prefixes ending at `cuts` (and then the whole), each time
// from a fresh copy of the bytes, so the buffer moves between calls.
std::string parse_in_pieces(const std::string& data, const std::vector<size_t>& cuts, Limits limits = {}) {
  RequestParser p(limits);
  std::string copy;
  for (const size_t cut : cuts) {
    copy = data.substr(0, cut);
    const ParseStatus s = p.feed(copy);
    if (s != ParseStatus::NeedMore) return summary(p, s);  // the end (or an error) came in a prefix
  }
  copy = data;
  return summary(p, p.feed(copy));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request_parser)

BOOST_AUTO_TEST_CASE(parses_a_simple_get) {
  RequestParser p(Limits{});
  BOOST_TEST((p.feed(kGet) == ParseStatus::Done));
  const MessageHead& h = p.head();
  BOOST_TEST(h.method == "GET");
  BOOST_TEST(h.target == "/cart?id=7");
  BOOST_TEST(h.version_minor == 1);
  BOOST_TEST(h.host == "shop.example.com:8080");
  BOOST_TEST(h.headers.size() == 4u);
  BOOST_TEST(h.headers[2].name == "Accept");
  BOOST_TEST(h.headers[2].value == "*/*");
  BOOST_TEST(h.headers[3].value == "padded value");
  BOOST_TEST((h.body == BodyKind::None));
  BOOST_TEST(h.keep_alive);
  BOOST_TEST(h.head_size == kGet.size());
  BOOST_TEST((p.error() == ParseError::None));
}

BOOST_AUTO_TEST_CASE(views_point_into_the_buffer) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed(kGet) == ParseStatus::Done));
  const char* begin = kGet.data();
  const char* end = begin + kGet.size();
  BOOST_TEST((p.head().target.data() >= begin && p.head().target.data() + p.head().target.size() <= end));
  for (const Header& f : p.head().headers) BOOST_TEST((f.name.data() >= begin && f.value.data() <= end));
}

BOOST_AUTO_TEST_CASE(every_prefix_needs_more) {
  RequestParser p(Limits{});
  for (size_t n = 0; n < kGet.size(); ++n) BOOST_TEST_REQUIRE((p.feed(kGet.substr(0, n)) == ParseStatus::NeedMore));
  BOOST_TEST((p.feed(kGet) == ParseStatus::Done));
}

BOOST_AUTO_TEST_CASE(byte_at_a_time_equals_one_shot) {
  const std::string post =
      "\r\nPOST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\nExpect: 100-Continue\r\nX-Obs: caf\xc3\xa9\r\n\r\nhello";
  std::vector<size_t> cuts;
  for (size_t n = 0; n < post.size(); ++n) cuts.push_back(n);
  BOOST_TEST(parse_in_pieces(post, cuts) == parse_whole(post));
  BOOST_TEST(parse_whole(post).find("POST /api 1.1") == 0u);
}

BOOST_AUTO_TEST_CASE(random_splits_equal_one_shot) {
  std::mt19937 rng(42);
  const std::vector<std::string> requests = {
      kGet,
      "PUT /x HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\nc\r\n\r\n",   // refused: bare LF
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
  };
  for (const std::string& r : requests) {
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      for (size_t at = 0; at < r.size(); at += 1 + rng() % 7) cuts.push_back(at);
      BOOST_TEST(parse_in_pieces(r, cuts) == parse_whole(r));
    }
  }
}

BOOST_AUTO_TEST_CASE(pipelined_bytes_are_left_alone) {
  const std::string two = kGet + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed(two) == ParseStatus::Done));
  BOOST_TEST(p.head().head_size == kGet.size());
  BOOST_TEST(p.head().target == "/cart?id=7");
  p.reset();
  BOOST_TEST_REQUIRE((p.feed(std::string_view(two).substr(kGet.size())) == ParseStatus::Done));
  BOOST_TEST(p.head().target == "/next");
}

BOOST_AUTO_TEST_CASE(leading_empty_lines_are_skipped_and_counted) {
  const std::string r = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  BOOST_TEST(p.head().head_size == r.size());
  BOOST_TEST(p.head().method == "GET");
}

BOOST_AUTO_TEST_CASE(content_length_gives_a_length_body) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0042\r\n\r\n") == ParseStatus::Done));
  BOOST_TEST((p.head().body == BodyKind::Length));
  BOOST_TEST(p.head().content_length == 42u);
}

BOOST_AUTO_TEST_CASE(repeated_identical_content_lengths_are_one) {
  RequestParser p(Limits{});
  const std::string r = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5,5 , 5\r\n\r\n";
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  BOOST_TEST((p.head().body == BodyKind::Length));
  BOOST_TEST(p.head().content_length == 5u);
}

BOOST_AUTO_TEST_CASE(content_length_up_to_two_to_the_53) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE(
      (p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n") == ParseStatus::Done));
  BOOST_TEST(p.head().content_length == 9007199254740992ull);
}

BOOST_AUTO_TEST_CASE(chunked_in_any_case_gives_a_chunked_body) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  ChUnKeD \r\n\r\n") ==
                      ParseStatus::Done));
  BOOST_TEST((p.head().body == BodyKind::Chunked));
}

BOOST_AUTO_TEST_CASE(keep_alive_follows_version_and_connection) {
  struct Case {
    const char* version;
    const char* connection;  // nullptr: no field
    bool keep_alive;
    bool close;
  };
  const Case cases[] = {
      {"1.1", nullptr, true, false},          {"1.1", "close", false, true},
      {"1.1", "keep-alive", true, false},     {"1.1", "Keep-Alive, CLOSE", false, true},
      {"1.0", nullptr, false, false},         {"1.0", "keep-alive", true, false},
      {"1.0", "Keep-Alive", true, false},     {"1.0", "keep-alive, close", false, true},
      {"1.1", "x-custom, ,close", false, true},
  };
  for (const Case& c : cases) {
    std::string r = std::string("GET / HTTP/") + c.version + "\r\nHost: a\r\n";
    if (c.connection != nullptr) r += std::string("Connection: ") + c.connection + "\r\n";
    r += "\r\n";
    RequestParser p(Limits{});
    BOOST_TEST_CONTEXT(r) {
      BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
      BOOST_TEST(p.head().keep_alive == c.keep_alive);
      BOOST_TEST(p.head().connection_close == c.close);
      BOOST_TEST(p.head().version_minor == (c.version[2] - '0'));
    }
  }
}

BOOST_AUTO_TEST_CASE(connection_tokens_across_several_fields) {
  RequestParser p(Limits{});
  const std::string r = "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n"
                        "Upgrade: websocket\r\n\r\n";
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  BOOST_TEST(p.head().connection_upgrade);
  BOOST_TEST(p.head().upgrade == "websocket");
  BOOST_TEST(!p.head().connection_close);
}

BOOST_AUTO_TEST_CASE(expect_100_continue) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-CONTINUE\r\nContent-Length: 1\r\n\r\n") ==
                      ParseStatus::Done));
  BOOST_TEST(p.head().expect_continue);
  p.reset();
  BOOST_TEST_REQUIRE((p.feed("PUT / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n") == ParseStatus::Done));
  BOOST_TEST(!p.head().expect_continue);
}

BOOST_AUTO_TEST_CASE(http10_without_host_and_empty_host) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("GET / HTTP/1.0\r\n\r\n") == ParseStatus::Done));
  BOOST_TEST(p.head().host.empty());
  p.reset();
  BOOST_TEST_REQUIRE((p.feed("GET / HTTP/1.1\r\nHost:\r\n\r\n") == ParseStatus::Done));  // RFC 9112 3.2
  BOOST_TEST(p.head().host.empty());
  p.reset();
  BOOST_TEST_REQUIRE((p.feed("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n") == ParseStatus::Done));
  BOOST_TEST(p.head().host == "[::1]:80");
}

BOOST_AUTO_TEST_CASE(target_forms_and_methods) {
  for (const char* line : {"OPTIONS * HTTP/1.1", "GET http://a/b?c#d HTTP/1.1", "CONNECT a:443 HTTP/1.1",
                           "M-SEARCH /~x!$&'()*+,;=:@ HTTP/1.1"}) {
    RequestParser p(Limits{});
    BOOST_TEST_CONTEXT(line) { BOOST_TEST((p.feed(std::string(line) + "\r\nHost: a\r\n\r\n") == ParseStatus::Done)); }
  }
}

BOOST_AUTO_TEST_CASE(field_values_allow_obs_text_and_inner_whitespace) {
  RequestParser p(Limits{});
  const std::string r = "GET / HTTP/1.1\r\nHost: a\r\nX-A: \xff\x80 a\tb \r\nX-Empty:\r\n\r\n";
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  BOOST_TEST(p.head().find("x-a")->value == "\xff\x80 a\tb");
  BOOST_TEST(p.head().find("X-EMPTY")->value.empty());
}

BOOST_AUTO_TEST_CASE(limits_are_exact) {
  Limits limits;
  const std::string r = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";  // 16 + 9 + 2 = 27 bytes, lines <= 16
  limits.max_head = r.size();
  limits.max_line = 16;
  limits.max_headers = 1;
  BOOST_TEST(parse_whole(r, limits).find("GET / 1.1") == 0u);
  limits.max_head = r.size() - 1;
  BOOST_TEST(parse_whole(r, limits) == std::string("error: ") + to_string(ParseError::HeadTooLarge));
  limits.max_head = 1000;
  limits.max_line = 15;
  BOOST_TEST(parse_whole(r, limits) == std::string("error: ") + to_string(ParseError::RequestLineTooLong));
  limits.max_line = 16;
  limits.max_headers = 0;
  BOOST_TEST(parse_whole(r, limits) == std::string("error: ") + to_string(ParseError::TooManyHeaders));
}

BOOST_AUTO_TEST_CASE(never_needs_more_beyond_max_head) {
  Limits limits;
  limits.max_head = 100;
  for (const std::string& filler : {std::string(200, 'a'), std::string("X: y\r\n") + std::string(200, 'b')}) {
    const std::string r = "GET / HTTP/1.1\r\nHost: a\r\n" + filler;
    RequestParser p(limits);
    ParseStatus s = ParseStatus::NeedMore;
    size_t n = 0;
    while (s == ParseStatus::NeedMore && n < r.size()) s = p.feed(r.substr(0, ++n));
    BOOST_TEST((s == ParseStatus::Error));
    BOOST_TEST(n <= limits.max_head + 1);
  }
}

BOOST_AUTO_TEST_CASE(header_storage_is_reserved_once) {
  Limits limits;
  limits.max_headers = 20;
  RequestParser p(limits);
  std::string r = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 19; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
  r += "\r\n";
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  const size_t capacity = p.head().headers.capacity();
  const Header* storage = p.head().headers.data();
  BOOST_TEST(capacity >= 20u);
  for (int i = 0; i < 1000; ++i) {
    p.reset();
    BOOST_TEST_REQUIRE((p.feed(i % 2 ? r : kGet) == ParseStatus::Done));
  }
  BOOST_TEST(p.head().headers.capacity() == capacity);
  BOOST_TEST(p.head().headers.data() == storage);
}

BOOST_AUTO_TEST_CASE(done_and_error_are_sticky_until_reset) {
  RequestParser p(Limits{});
  BOOST_TEST_REQUIRE((p.feed("GET / HTTP/1.1\nHost: a\r\n\r\n") == ParseStatus::Error));
  BOOST_TEST((p.feed(kGet) == ParseStatus::Error));
  BOOST_TEST((p.error() == ParseError::BareLF));
  p.reset();
  BOOST_TEST((p.error() == ParseError::None));
  BOOST_TEST((p.feed(kGet) == ParseStatus::Done));
  BOOST_TEST((p.feed(kGet) == ParseStatus::Done));
  BOOST_TEST(p.head().target == "/cart?id=7");
}

BOOST_AUTO_TEST_SUITE_END()
