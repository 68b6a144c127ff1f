#define BOOST_TEST_DYN_LINK
#include "http/chunked_decoder.h"

#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

using namespace tandem::http;
using namespace std::string_literals;  // "..."s keeps NUL bytes

namespace {

struct Outcome {
  size_t consumed = 0;  // in total
  bool done = false;
  ParseError error = ParseError::None;
  uint64_t payload = 0;
};

// Feeds `body` in pieces of at most `piece` bytes (0: whole), as a proxy
// would, stopping at done or an error.
Outcome run(const std::string& body, size_t piece = 0, Limits limits = {}) {
  ChunkedDecoder d(limits);
  Outcome out;
  size_t at = 0;
  do {
    const size_t n = piece == 0 ? body.size() - at : std::min(piece, body.size() - at);
    const ChunkedDecoder::Step s = d.consume(std::string_view(body).substr(at, n));
    BOOST_TEST_REQUIRE(s.consumed <= n);
    if (!s.done && s.error == ParseError::None) BOOST_TEST_REQUIRE(s.consumed == n);
    at += s.consumed;
    out.done = s.done;
    out.error = s.error;
  } while (!out.done && out.error == ParseError::None && at < body.size());
  out.consumed = at;
  out.payload = d.payload_bytes();
  return out;
}

// The error of `body`, checking that byte-at-a-time feeding gives it too.
std::string refusal(const std::string& body, Limits limits = {}) {
  const Outcome whole = run(body, 0, limits);
  const Outcome bytes = run(body, 1, limits);
  BOOST_TEST(to_string(bytes.error) == to_string(whole.error));
  BOOST_TEST(bytes.consumed == whole.consumed);
  return whole.error == ParseError::None ? (whole.done ? "(accepted)" : "(needs more)") : to_string(whole.error);
}

std::string expected(ParseError e) { return to_string(e); }

const std::string kBody = "5\r\nhello\r\n1A;name=value;q=\"x y\"\r\n" + std::string(26, 'z') +
                          "\r\n0\r\nExpires: never\r\nX-Sum:  abc \r\n\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(http_chunked_decoder)

BOOST_AUTO_TEST_CASE(follows_a_body_with_extensions_and_trailers) {
  const Outcome o = run(kBody);
  BOOST_TEST(o.done);
  BOOST_TEST(o.consumed == kBody.size());
  BOOST_TEST(o.payload == 31u);
}

BOOST_AUTO_TEST_CASE(byte_at_a_time_and_random_pieces_agree) {
  const Outcome whole = run(kBody);
  const Outcome bytes = run(kBody, 1);
  BOOST_TEST(bytes.done);
  BOOST_TEST(bytes.consumed == whole.consumed);
  BOOST_TEST(bytes.payload == whole.payload);
  for (size_t piece = 2; piece < 20; ++piece) BOOST_TEST(run(kBody, piece).consumed == kBody.size());
}

BOOST_AUTO_TEST_CASE(leaves_the_pipelined_message_alone) {
  const std::string next = "GET /next HTTP/1.1\r\n";
  for (size_t piece : {size_t{0}, size_t{1}, size_t{7}}) {
    const Outcome o = run("0\r\n\r\n" + next, piece);
    BOOST_TEST(o.done);
    BOOST_TEST(o.consumed == 5u);
  }
  const Outcome o = run(kBody + next);
  BOOST_TEST(o.consumed == kBody.size());
}

BOOST_AUTO_TEST_CASE(needs_more_until_the_last_crlf) {
  for (size_t n = 0; n < kBody.size(); ++n) {
    const Outcome o = run(kBody.substr(0, n));
    BOOST_TEST_REQUIRE(!o.done);
    BOOST_TEST_REQUIRE((o.error == ParseError::None));
    BOOST_TEST_REQUIRE(o.consumed == n);
  }
}

BOOST_AUTO_TEST_CASE(hex_sizes_in_both_cases_and_sixteen_digits) {
  BOOST_TEST(run("a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n").payload == 20u);
  BOOST_TEST(run("0000000000000003\r\nabc\r\n0\r\n\r\n").payload == 3u);
  BOOST_TEST(run("000\r\n\r\n").done);
  // 16 digits of F: a size that no body reaches, but a valid one.
  const Outcome big = run("FFFFFFFFFFFFFFFF\r\nabc");
  BOOST_TEST((big.error == ParseError::None));
  BOOST_TEST(big.payload == 3u);
}

BOOST_AUTO_TEST_CASE(whitespace_before_an_extension) {
  BOOST_TEST(refusal("1 ;x\r\na\r\n0\r\n\r\n") == "(accepted)");
  BOOST_TEST(refusal("1\t; x = y\r\na\r\n0\r\n\r\n") == "(accepted)");
}

BOOST_AUTO_TEST_CASE(state_is_sticky_until_reset) {
  ChunkedDecoder d(Limits{});
  BOOST_TEST(d.consume("0\r\n\r\nX").consumed == 5u);
  const ChunkedDecoder::Step again = d.consume("0\r\n\r\n");
  BOOST_TEST(again.done);
  BOOST_TEST(again.consumed == 0u);
  d.reset();
  BOOST_TEST(d.payload_bytes() == 0u);
  BOOST_TEST((d.consume("g").error == ParseError::BadChunkSize));
  BOOST_TEST((d.consume("0\r\n\r\n").error == ParseError::BadChunkSize));
  d.reset();
  BOOST_TEST(d.consume("1\r\nx\r\n0\r\n\r\n").done);
}

// --- refusals (docs/http.md: in a chunked body) ---

BOOST_AUTO_TEST_CASE(chunk_size_not_hex) {
  for (const char* b : {"g\r\n", "-1\r\n", "0x5\r\n", "+5\r\n", " 5\r\n", "\r\n", ";x\r\n"}) {
    BOOST_TEST_CONTEXT(b) { BOOST_TEST(refusal(b) == expected(ParseError::BadChunkSize)); }
  }
}

BOOST_AUTO_TEST_CASE(chunk_size_over_64_bits) {
  BOOST_TEST(refusal("10000000000000000\r\n") == expected(ParseError::BadChunkSize));
  BOOST_TEST(refusal("00000000000000005\r\nhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkSize));
}

BOOST_AUTO_TEST_CASE(whitespace_after_the_size_without_extension) {
  BOOST_TEST(refusal("5 \r\nhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkSize));
}

BOOST_AUTO_TEST_CASE(chunk_not_followed_by_crlf) {
  BOOST_TEST(refusal("5\r\nhelloX\r\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
  BOOST_TEST(refusal("5\r\nhello\rX0\r\n\r\n") == expected(ParseError::BadChunkFraming));
  BOOST_TEST(refusal("5\r\nhello\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
  BOOST_TEST(refusal("3\r\nhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
}

BOOST_AUTO_TEST_CASE(size_line_not_ended_by_crlf) {
  BOOST_TEST(refusal("5\nhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
  BOOST_TEST(refusal("5\rhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
  BOOST_TEST(refusal("5;a\nb\r\nhello\r\n0\r\n\r\n") == expected(ParseError::BadChunkFraming));
}

BOOST_AUTO_TEST_CASE(control_byte_in_an_extension) {
  BOOST_TEST(refusal("5;a\0b\r\nhello\r\n0\r\n\r\n"s) == expected(ParseError::BadChunkFraming));
}

BOOST_AUTO_TEST_CASE(extension_longer_than_a_line) {
  Limits limits;
  limits.max_line = 64;
  BOOST_TEST(refusal("5;" + std::string(100, 'x') + "\r\nhello\r\n0\r\n\r\n", limits) ==
             expected(ParseError::LineTooLong));
  BOOST_TEST(refusal("5;" + std::string(60, 'x') + "\r\nhello\r\n0\r\n\r\n", limits) == "(accepted)");  // 64 bytes
  BOOST_TEST(refusal("5;" + std::string(61, 'x') + "\r\nhello\r\n0\r\n\r\n", limits) == expected(ParseError::LineTooLong));
}

BOOST_AUTO_TEST_CASE(malformed_trailers_follow_the_field_rules) {
  BOOST_TEST(refusal("0\r\nX-A: a\r\n b\r\n\r\n") == expected(ParseError::ObsFold));
  BOOST_TEST(refusal("0\r\n b\r\n\r\n") == expected(ParseError::ObsFold));
  BOOST_TEST(refusal("0\r\nX-A : a\r\n\r\n") == expected(ParseError::WhitespaceBeforeColon));
  BOOST_TEST(refusal("0\r\n: a\r\n\r\n") == expected(ParseError::BadFieldName));
  BOOST_TEST(refusal("0\r\nno-colon\r\n\r\n") == expected(ParseError::BadFieldName));
  BOOST_TEST(refusal(std::string("0\r\nX-A: \x01\r\n\r\n")) == expected(ParseError::InvalidByte));
  BOOST_TEST(refusal("0\r\nX-A: a\nX-B: b\r\n\r\n") == expected(ParseError::BareLF));
  BOOST_TEST(refusal("0\r\nX-A: a\rX\r\n\r\n") == expected(ParseError::BareCR));
  BOOST_TEST(refusal("0\r\n\n") == expected(ParseError::BareLF));
  BOOST_TEST(refusal("0\r\n\rX") == expected(ParseError::BareCR));
}

BOOST_AUTO_TEST_CASE(trailers_are_bounded) {
  Limits limits;
  limits.max_line = 32;
  limits.max_head = 64;
  limits.max_headers = 3;
  BOOST_TEST(refusal("0\r\nX-A: " + std::string(40, 'a') + "\r\n\r\n", limits) == expected(ParseError::LineTooLong));
  BOOST_TEST(refusal("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits) == expected(ParseError::TooManyHeaders));
  limits.max_headers = 100;
  std::string many = "0\r\n";
  for (int i = 0; i < 10; ++i) many += "X-" + std::to_string(i) + ": value\r\n";
  BOOST_TEST(refusal(many + "\r\n", limits) == expected(ParseError::HeadTooLarge));
}

BOOST_AUTO_TEST_SUITE_END()
