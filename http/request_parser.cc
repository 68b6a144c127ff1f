// Request heads (http/request_parser.h): the shared head scanner with the
// request line's rules, then Host, Expect and the request's body framing.

#include "http/request_parser.h"

#include "http/framing.h"
#include "http/start_line.h"

namespace tandem::http {
namespace {

// RFC 9112 2.2 asks servers to ignore "at least one" empty line before a
// request line (left over from a previous message's body); a few, bounded.
constexpr int kMaxLeadingEmptyLines = 4;

constexpr StartLineRules kRequestLine{parse_request_line, ParseError::RequestLineTooLong, kMaxLeadingEmptyLines};

// Host = uri-host [ ":" port ] (RFC 9110 7.2): reg-name, IPv4 or an
// IP-literal in brackets. Checked by byte class only; the routes compare
// the name itself. Empty is valid (RFC 9112 3.2: no authority).
bool valid_host(std::string_view host) {
  for (const char ch : host) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (ok) continue;
    switch (ch) {
      case '-': case '.': case '_': case '~': case '%': case '!': case '$': case '&': case '\'':
      case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':': case '[': case ']':
        continue;
      default:
        return false;
    }
  }
  return true;
}

// The head is whole and its fields collected: the request line, the
// framing, Host and Expect.
ParseError build_request(std::string_view request_line, MessageHead& head) {
  parse_request_line(request_line, &head);  // valid: the scanner checked it

  Framing framing;
  const ParseError e = read_framing(head, framing);
  if (e != ParseError::None) return e;
  if (framing.chunked) {
    head.body = BodyKind::Chunked;
  } else if (framing.has_length) {
    head.body = BodyKind::Length;
    head.content_length = framing.length;
  }
  read_connection(head);

  // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for any
  // request with several Host lines or an invalid Host value.
  int hosts = 0;
  for (const Header& h : head.headers) {
    if (iequals(h.name, "host")) {
      if (++hosts == 1) head.host = h.value;
    } else if (iequals(h.name, "expect") && iequals(h.value, "100-continue")) {
      head.expect_continue = true;
    }
  }
  if (hosts > 1 || (hosts == 0 && head.version_minor == 1) || !valid_host(head.host)) {
    return ParseError::MissingHost;
  }
  return ParseError::None;
}

}  // namespace

RequestParser::RequestParser(const Limits& limits) : parse_(limits, kRequestLine) {}

ParseStatus RequestParser::feed(std::string_view buffer) { return parse_.feed(buffer, build_request); }

}  // namespace tandem::http
