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

// The head is whole and its fields collected: the status line, then the
// body framing, which depends on the request's method.
ParseError build_response(std::string_view status_line, std::string_view request_method, MessageHead& head) {
  parse_status_line(status_line, &head);  // valid: the scanner checked it

  // The framing fields are checked even when the status says there is no
  // body: a response with contradicting framing is refused either way.
  Framing framing;
  const ParseError e = read_framing(head, framing);
  if (e != ParseError::None) return e;
  read_connection(head);
  if (bodiless(head.status, request_method)) {
    head.body = BodyKind::None;
  } else if (framing.chunked) {
    head.body = BodyKind::Chunked;
  } else if (framing.has_length) {
    head.body = BodyKind::Length;
    head.content_length = framing.length;
  } else {
    head.body = BodyKind::UntilClose;
    head.keep_alive = false;  // the body ends only when the connection does
  }
  return ParseError::None;
}

}  // namespace

ResponseParser::ResponseParser(const Limits& limits) : parse_(limits, kStatusLine) {}

ParseStatus ResponseParser::feed(std::string_view buffer, std::string_view request_method) {
  return parse_.feed(buffer, [request_method](std::string_view status_line, MessageHead& head) {
    return build_response(status_line, request_method, head);
  });
}

}  // namespace tandem::http
