#define BOOST_TEST_DYN_LINK
#include "http/message_head.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "http/request_parser.h"

using namespace tandem::http;

BOOST_AUTO_TEST_SUITE(http_message_head)

BOOST_AUTO_TEST_CASE(every_error_has_its_own_text) {
  std::set<std::string> texts;
  int count = 0;
  for (int i = 0; i <= static_cast<int>(ParseError::BadChunkFraming); ++i, ++count) {
    const std::string t = to_string(static_cast<ParseError>(i));
    BOOST_TEST(!t.empty());
    BOOST_TEST(t != "unknown parse error");
    texts.insert(t);
  }
  BOOST_TEST(texts.size() == static_cast<size_t>(count));
  BOOST_TEST(std::string(to_string(ParseError::ContentLengthWithTransferEncoding)) ==
             "Content-Length together with Transfer-Encoding");
}

BOOST_AUTO_TEST_CASE(statuses) {
  BOOST_TEST(status_for(ParseError::HeadTooLarge) == 431);
  BOOST_TEST(status_for(ParseError::LineTooLong) == 431);
  BOOST_TEST(status_for(ParseError::TooManyHeaders) == 431);
  BOOST_TEST(status_for(ParseError::RequestLineTooLong) == 414);
  BOOST_TEST(status_for(ParseError::BadVersion) == 505);
  for (const ParseError e : {ParseError::BadRequestLine, ParseError::BadMethod, ParseError::BadTarget,
                             ParseError::BadFieldName, ParseError::WhitespaceBeforeColon, ParseError::ObsFold,
                             ParseError::BareCR, ParseError::BareLF, ParseError::InvalidByte,
                             ParseError::BadContentLength, ParseError::ConflictingContentLength,
                             ParseError::ContentLengthWithTransferEncoding, ParseError::BadTransferEncoding,
                             ParseError::TransferEncodingInHttp10, ParseError::MissingHost,
                             ParseError::BadChunkSize, ParseError::BadChunkFraming, ParseError::BadStatusLine}) {
    BOOST_TEST(status_for(e) == 400);
  }
}

BOOST_AUTO_TEST_CASE(iequals_is_ascii_case_insensitive) {
  BOOST_TEST(iequals("Content-Length", "content-LENGTH"));
  BOOST_TEST(!iequals("Content-Length", "Content-Lengt"));
  BOOST_TEST(!iequals("a", "b"));
  BOOST_TEST(iequals("", ""));
  BOOST_TEST(!iequals("\xc9", "\xe9"));  // not Latin-1 folding
  BOOST_TEST(!iequals("[", "{"));
}

BOOST_AUTO_TEST_CASE(find_and_hop_by_hop) {
  RequestParser p(Limits{});
  const std::string r =
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nconnection: , Foo\r\n"
      "X-Secret: 1\r\nTransfer-Encoding: chunked\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n";
  BOOST_TEST_REQUIRE((p.feed(r) == ParseStatus::Done));
  const MessageHead& h = p.head();
  BOOST_TEST(h.find("COOKIE")->value == "a=1");
  BOOST_TEST(h.find("Absent") == nullptr);
  for (const char* name : {"Connection", "keep-alive", "Proxy-Connection", "TE", "trailer", "Upgrade", "x-secret",
                           "FOO"}) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(h.is_hop_by_hop(name)); }
  }
  for (const char* name : {"Transfer-Encoding", "Proxy-Authorization", "Cookie", "Host", ""}) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(!h.is_hop_by_hop(name)); }
  }
}

BOOST_AUTO_TEST_CASE(clear_resets_and_keeps_storage) {
  MessageHead h;
  h.headers.reserve(8);
  h.headers.push_back(Header{"a", "b"});
  h.method = "GET";
  h.status = 200;
  h.version_minor = 0;
  h.body = BodyKind::Chunked;
  h.content_length = 4;
  h.keep_alive = false;
  h.connection_close = h.connection_upgrade = h.expect_continue = true;
  h.host = h.upgrade = h.target = h.reason = "x";
  h.head_size = 9;
  h.clear();
  BOOST_TEST(h.headers.empty());
  BOOST_TEST(h.headers.capacity() >= 8u);
  BOOST_TEST((h.method.empty() && h.target.empty() && h.reason.empty() && h.host.empty() && h.upgrade.empty()));
  BOOST_TEST(h.status == 0);
  BOOST_TEST(h.version_minor == 1);
  BOOST_TEST((h.body == BodyKind::None));
  BOOST_TEST(h.content_length == 0u);
  BOOST_TEST((h.keep_alive && !h.connection_close && !h.connection_upgrade && !h.expect_continue));
  BOOST_TEST(h.head_size == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
