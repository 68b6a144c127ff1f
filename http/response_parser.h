#pragma once
// A strict, incremental parser of HTTP/1.x response heads; the twin of
// RequestParser (same scanning, same field rules, same limits), with the
// status line instead of the request line, and the body framing of RFC 9112
// 6.3 for responses, which depends on the request: a response to HEAD, and
// 1xx, 204 and 304 responses have no body, nor has a 2xx to CONNECT (the
// connection would become a tunnel; Tandem answers CONNECT 501 itself and
// never sends one, so the session need not handle it); otherwise chunked,
// Content-Length, or until close (then keep_alive is false).
//
// Unlike requests, no empty line is tolerated before the status line.
//
// A 1xx response other than 101 is a whole interim message: the caller
// forwards it and parses again for the final response (reset() between).
//
// Threading: one connection's, on its worker's thread.

#include <string_view>

#include "http/head_scanner.h"
#include "http/message_head.h"
#include "http/request_parser.h"

namespace tandem::http {

class ResponseParser {
 public:
  explicit ResponseParser(const Limits& limits);

  // As RequestParser::feed. `request_method` is the method of the request
  // this response answers (for HEAD's bodiless responses).
  ParseStatus feed(std::string_view buffer, std::string_view request_method);

  const MessageHead& head() const { return parse_.head(); }
  ParseError error() const { return parse_.error(); }
  void reset() { parse_.reset(); }

 private:
  HeadParse parse_;
};

}  // namespace tandem::http
