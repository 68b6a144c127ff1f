// Response heads (http/response_parser.h): the shared head scanner with the
// status line's rules, then the response's body framing (RFC 9112 6.3).

#include "http/response_parser.h"

#include "http/framing.h"
#include "http/start_line.h"

namespace tandem::http {
namespace {

// No empty line is tolerated before a status line: a server that sends one
// has miscounted its previous body.
constexpr StartLineRules kStatusLine{parse_status_line, ParseError::LineTooLong, 0};

// RFC 9112 6.3 items 1 and 2: responses that never have a body, whatever
// their fields say.
bool bodiless(int status, std::string_view request_method) {
  if (request_method == "HEAD") return true;
  if (status < 200 || status == 204 || status == 304) return true;
  return request_method == "CONNECT" && status < 300;
}

}  // namespace

ResponseParser::ResponseParser(const Limits& limits) : scanner_(limits, kStatusLine) {
  head_.headers.reserve(limits.max_headers);
}

ParseStatus ResponseParser::fail(ParseError e) {
  error_ = e;
  status_ = ParseStatus::Error;
  return status_;
}

void ResponseParser::reset() {
  head_.clear();
  scanner_.reset();
  status_ = ParseStatus::NeedMore;
  error_ = ParseError::None;
}

ParseStatus ResponseParser::feed(std::string_view buffer, std::string_view request_method) {
  if (status_ != ParseStatus::NeedMore) return status_;
  switch (scanner_.scan(buffer)) {
    case ScanStatus::NeedMore: return ParseStatus::NeedMore;
    case ScanStatus::Error: return fail(scanner_.error());
    case ScanStatus::Done: break;
  }
  const ParseError e = build(buffer.substr(0, scanner_.head_size()), request_method);
  if (e != ParseError::None) return fail(e);
  status_ = ParseStatus::Done;
  return status_;
}

ParseError ResponseParser::build(std::string_view head, std::string_view request_method) {
  head_.clear();
  head_.head_size = head.size();
  parse_status_line(collect_fields(head, head_), &head_);  // valid: the scanner checked it

  // The framing fields are checked even when the status says there is no
  // body: a response with contradicting framing is refused either way.
  Framing framing;
  const ParseError e = read_framing(head_, framing);
  if (e != ParseError::None) return e;
  read_connection(head_);
  if (bodiless(head_.status, request_method)) {
    head_.body = BodyKind::None;
  } else if (framing.chunked) {
    head_.body = BodyKind::Chunked;
  } else if (framing.has_length) {
    head_.body = BodyKind::Length;
    head_.content_length = framing.length;
  } else {
    head_.body = BodyKind::UntilClose;
    head_.keep_alive = false;  // the body ends only when the connection does
  }
  return ParseError::None;
}

}  // namespace tandem::http
