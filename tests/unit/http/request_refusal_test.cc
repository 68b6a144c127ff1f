#define BOOST_TEST_DYN_LINK
// Every refusal of docs/http.md "What is refused" on the request side, one
// test case each, with the ParseError it must name. Each request is parsed
// twice, in one piece and one byte at a time: both must name the same error.
#include <boost/test/unit_test.hpp>
#include <string>

#include "http/request_parser.h"

using namespace tandem::http;
using namespace std::string_literals;  // "..."s keeps NUL bytes

namespace {

// The error of parsing `request` whole; checks that feeding it one byte at
// a time refuses it with the same error (and never reports Done).
std::string refusal(const std::string& request, Limits limits = {}) {
  RequestParser whole(limits);
  const ParseStatus s = whole.feed(request);
  if (s != ParseStatus::Error) return s == ParseStatus::Done ? "(accepted)" : "(needs more)";
  RequestParser bytewise(limits);
  ParseStatus b = ParseStatus::NeedMore;
  for (size_t n = 1; n <= request.size() && b == ParseStatus::NeedMore; ++n) b = bytewise.feed(request.substr(0, n));
  BOOST_TEST((b == ParseStatus::Error));
  BOOST_TEST(to_string(bytewise.error()) == to_string(whole.error()));
  return to_string(whole.error());
}

std::string with_fields(const std::string& fields, const std::string& version = "HTTP/1.1") {
  return "POST /upload " + version + "\r\nHost: example.com\r\n" + fields + "\r\n";
}

std::string expected(ParseError e) { return to_string(e); }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request_refusal)

// --- framing (RFC 9112 6.1-6.3) ---

BOOST_AUTO_TEST_CASE(content_length_with_transfer_encoding) {
  BOOST_TEST(refusal(with_fields("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")) ==
             expected(ParseError::ContentLengthWithTransferEncoding));
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n")) ==
             expected(ParseError::ContentLengthWithTransferEncoding));
}

BOOST_AUTO_TEST_CASE(two_content_length_fields_that_differ) {
  BOOST_TEST(refusal(with_fields("Content-Length: 5\r\nContent-Length: 6\r\n")) ==
             expected(ParseError::ConflictingContentLength));
}

BOOST_AUTO_TEST_CASE(content_length_list_that_differs) {
  BOOST_TEST(refusal(with_fields("Content-Length: 5, 6\r\n")) == expected(ParseError::ConflictingContentLength));
  BOOST_TEST(refusal(with_fields("Content-Length: 5,5\r\nContent-Length: 5, 7\r\n")) ==
             expected(ParseError::ConflictingContentLength));
}

BOOST_AUTO_TEST_CASE(content_length_not_only_digits) {
  for (const char* v : {"+5", "-1", "5a", "0x10", "5 5", "1.0", "", "5,", ",5", "5,,5", "\"5\""}) {
    BOOST_TEST_CONTEXT("Content-Length: " << v) {
      BOOST_TEST(refusal(with_fields(std::string("Content-Length: ") + v + "\r\n")) ==
                 expected(ParseError::BadContentLength));
    }
  }
}

BOOST_AUTO_TEST_CASE(content_length_too_large) {
  BOOST_TEST(refusal(with_fields("Content-Length: 9007199254740993\r\n")) == expected(ParseError::BadContentLength));
  BOOST_TEST(refusal(with_fields("Content-Length: 18446744073709551616\r\n")) ==
             expected(ParseError::BadContentLength));
  BOOST_TEST(refusal(with_fields("Content-Length: 99999999999999999999999999999999\r\n")) ==
             expected(ParseError::BadContentLength));
}

BOOST_AUTO_TEST_CASE(transfer_encoding_chunked_twice) {
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked, chunked\r\n")) ==
             expected(ParseError::BadTransferEncoding));
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")) ==
             expected(ParseError::BadTransferEncoding));
}

BOOST_AUTO_TEST_CASE(transfer_encoding_gzip_then_chunked) {
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: gzip, chunked\r\n")) ==
             expected(ParseError::BadTransferEncoding));
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")) ==
             expected(ParseError::BadTransferEncoding));
}

BOOST_AUTO_TEST_CASE(transfer_encoding_not_chunked) {
  for (const char* v : {"xchunked", "chunkedx", "identity", "gzip", "", "chunked,", "\"chunked\"", "chun ked"}) {
    BOOST_TEST_CONTEXT("Transfer-Encoding: " << v) {
      BOOST_TEST(refusal(with_fields(std::string("Transfer-Encoding: ") + v + "\r\n")) ==
                 expected(ParseError::BadTransferEncoding));
    }
  }
}

BOOST_AUTO_TEST_CASE(transfer_encoding_with_a_parameter) {
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked;x\r\n")) == expected(ParseError::BadTransferEncoding));
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked; q=1\r\n")) ==
             expected(ParseError::BadTransferEncoding));
}

BOOST_AUTO_TEST_CASE(transfer_encoding_in_http10) {
  BOOST_TEST(refusal(with_fields("Transfer-Encoding: chunked\r\n", "HTTP/1.0")) ==
             expected(ParseError::TransferEncodingInHttp10));
}

// --- field lines (RFC 9112 5, RFC 9110 5.5) ---

BOOST_AUTO_TEST_CASE(obs_fold) {
  BOOST_TEST(refusal(with_fields("X-A: one\r\n two\r\n")) == expected(ParseError::ObsFold));
  BOOST_TEST(refusal(with_fields("X-A: one\r\n\ttwo\r\n")) == expected(ParseError::ObsFold));
}

BOOST_AUTO_TEST_CASE(whitespace_between_the_start_line_and_the_first_field) {
  // RFC 9112 2.2: a line starting with whitespace right after the request line.
  BOOST_TEST(refusal("GET / HTTP/1.1\r\n Host: a\r\n\r\n") == expected(ParseError::ObsFold));
}

BOOST_AUTO_TEST_CASE(bare_cr_in_a_field_value) {
  BOOST_TEST(refusal(with_fields("X-A: one\rtwo\r\n")) == expected(ParseError::BareCR));
}

BOOST_AUTO_TEST_CASE(bare_cr_in_the_request_line) {
  BOOST_TEST(refusal("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BareCR));
}

BOOST_AUTO_TEST_CASE(bare_cr_before_the_final_lf) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\r\n\rX") == expected(ParseError::BareCR));
}

BOOST_AUTO_TEST_CASE(bare_lf_as_a_field_line_end) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n") == expected(ParseError::BareLF));
}

BOOST_AUTO_TEST_CASE(bare_lf_as_the_request_line_end) {
  BOOST_TEST(refusal("GET / HTTP/1.1\nHost: a\r\n\r\n") == expected(ParseError::BareLF));
}

BOOST_AUTO_TEST_CASE(bare_lf_as_the_end_of_the_head) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\r\n\n") == expected(ParseError::BareLF));
}

BOOST_AUTO_TEST_CASE(nul_in_a_field_value) {
  BOOST_TEST(refusal(with_fields("X-A: a\0b\r\n"s)) == expected(ParseError::InvalidByte));
}

BOOST_AUTO_TEST_CASE(other_control_bytes_in_a_field_value) {
  for (const char c : {'\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f'}) {
    BOOST_TEST_CONTEXT("byte " << int(c)) {
      BOOST_TEST(refusal(with_fields(std::string("X-A: a") + c + "b\r\n")) == expected(ParseError::InvalidByte));
    }
  }
}

BOOST_AUTO_TEST_CASE(byte_above_0x7f_in_the_method) {
  BOOST_TEST(refusal("G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadMethod));
}

BOOST_AUTO_TEST_CASE(byte_above_0x7f_in_the_target) {
  BOOST_TEST(refusal("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadTarget));
}

BOOST_AUTO_TEST_CASE(control_byte_in_the_target) {
  BOOST_TEST(refusal("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadTarget));
  BOOST_TEST(refusal("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s) == expected(ParseError::BadTarget));
}

BOOST_AUTO_TEST_CASE(byte_above_0x7f_in_a_field_name) {
  BOOST_TEST(refusal(with_fields("X-Caf\xc3\xa9: 1\r\n")) == expected(ParseError::BadFieldName));
}

BOOST_AUTO_TEST_CASE(whitespace_between_field_name_and_colon) {
  BOOST_TEST(refusal(with_fields("Content-Length : 5\r\n")) == expected(ParseError::WhitespaceBeforeColon));
  BOOST_TEST(refusal(with_fields("Transfer-Encoding\t: chunked\r\n")) == expected(ParseError::WhitespaceBeforeColon));
}

BOOST_AUTO_TEST_CASE(empty_field_name) {
  BOOST_TEST(refusal(with_fields(": value\r\n")) == expected(ParseError::BadFieldName));
}

BOOST_AUTO_TEST_CASE(field_name_not_a_token) {
  BOOST_TEST(refusal(with_fields("X(A): 1\r\n")) == expected(ParseError::BadFieldName));
  BOOST_TEST(refusal(with_fields("X A: 1\r\n")) == expected(ParseError::BadFieldName));
}

BOOST_AUTO_TEST_CASE(field_line_without_a_colon) {
  BOOST_TEST(refusal(with_fields("X-A\r\n")) == expected(ParseError::BadFieldName));
}

// --- the request line (RFC 9112 3) ---

BOOST_AUTO_TEST_CASE(request_line_with_two_spaces) {
  BOOST_TEST(refusal("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
  BOOST_TEST(refusal("GET /  HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
}

BOOST_AUTO_TEST_CASE(request_line_with_a_tab) {
  BOOST_TEST(refusal("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
}

BOOST_AUTO_TEST_CASE(request_line_with_a_leading_or_trailing_space) {
  BOOST_TEST(refusal(" GET / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
  BOOST_TEST(refusal("GET / HTTP/1.1 \r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
}

BOOST_AUTO_TEST_CASE(request_line_without_a_version) {
  BOOST_TEST(refusal("GET /\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
  BOOST_TEST(refusal("GET / \r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
}

BOOST_AUTO_TEST_CASE(request_line_with_a_malformed_version) {
  for (const char* v : {"http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/11", "HTTP/1.x", "HTTP/1.10", "HTTP1.1"}) {
    BOOST_TEST_CONTEXT(v) {
      BOOST_TEST(refusal(std::string("GET / ") + v + "\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
    }
  }
}

BOOST_AUTO_TEST_CASE(request_line_with_an_unsupported_version) {
  for (const char* v : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"}) {
    BOOST_TEST_CONTEXT(v) {
      BOOST_TEST(refusal(std::string("GET / ") + v + "\r\nHost: a\r\n\r\n") == expected(ParseError::BadVersion));
    }
  }
  BOOST_TEST(status_for(ParseError::BadVersion) == 505);
}

BOOST_AUTO_TEST_CASE(http2_preface) {
  BOOST_TEST(refusal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == expected(ParseError::BadVersion));
}

BOOST_AUTO_TEST_CASE(method_not_a_token) {
  BOOST_TEST(refusal("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadMethod));
  BOOST_TEST(refusal("G:T / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadMethod));
}

BOOST_AUTO_TEST_CASE(too_many_empty_lines_before_the_request_line) {
  BOOST_TEST(refusal("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == expected(ParseError::BadRequestLine));
}

// --- Host (RFC 9112 3.2) ---

BOOST_AUTO_TEST_CASE(http11_without_host) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n") == expected(ParseError::MissingHost));
}

BOOST_AUTO_TEST_CASE(two_host_fields) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == expected(ParseError::MissingHost));
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") == expected(ParseError::MissingHost));
  BOOST_TEST(refusal("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == expected(ParseError::MissingHost));
}

BOOST_AUTO_TEST_CASE(invalid_host_value) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == expected(ParseError::MissingHost));
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == expected(ParseError::MissingHost));
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n") == expected(ParseError::MissingHost));
}

// --- limits ---

BOOST_AUTO_TEST_CASE(request_line_too_long_is_414) {
  Limits limits;
  limits.max_line = 64;
  BOOST_TEST(refusal("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits) ==
             expected(ParseError::RequestLineTooLong));
  BOOST_TEST(status_for(ParseError::RequestLineTooLong) == 414);
}

BOOST_AUTO_TEST_CASE(field_line_too_long_is_431) {
  Limits limits;
  limits.max_line = 64;
  BOOST_TEST(refusal(with_fields("X-A: " + std::string(100, 'a') + "\r\n"), limits) ==
             expected(ParseError::LineTooLong));
  BOOST_TEST(status_for(ParseError::LineTooLong) == 431);
}

BOOST_AUTO_TEST_CASE(head_too_large_is_431) {
  Limits limits;
  limits.max_head = 200;
  std::string fields;
  for (int i = 0; i < 20; ++i) fields += "X-Field-" + std::to_string(i) + ": value\r\n";
  BOOST_TEST(refusal(with_fields(fields), limits) == expected(ParseError::HeadTooLarge));
  BOOST_TEST(status_for(ParseError::HeadTooLarge) == 431);
}

BOOST_AUTO_TEST_CASE(too_many_fields_is_431) {
  Limits limits;
  limits.max_headers = 5;
  std::string fields;
  for (int i = 0; i < 5; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";  // 6 with Host
  BOOST_TEST(refusal(with_fields(fields), limits) == expected(ParseError::TooManyHeaders));
  BOOST_TEST(status_for(ParseError::TooManyHeaders) == 431);
}

BOOST_AUTO_TEST_SUITE_END()
