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

}  // namespace

RequestParser::RequestParser(const Limits& limits) : scanner_(limits, kRequestLine) {
  head_.headers.reserve(limits.max_headers);
}

ParseStatus RequestParser::fail(ParseError e) {
  error_ = e;
  status_ = ParseStatus::Error;
  return status_;
}

void RequestParser::reset() {
  head_.clear();
  scanner_.reset();
  status_ = ParseStatus::NeedMore;
  error_ = ParseError::None;
}

ParseStatus RequestParser::feed(std::string_view buffer) {
  if (status_ != ParseStatus::NeedMore) return status_;
  switch (scanner_.scan(buffer)) {
    case ScanStatus::NeedMore: return ParseStatus::NeedMore;
    case ScanStatus::Error: return fail(scanner_.error());
    case ScanStatus::Done: break;
  }
  const ParseError e = build(buffer.substr(0, scanner_.head_size()));
  if (e != ParseError::None) return fail(e);
  status_ = ParseStatus::Done;
  return status_;
}

ParseError RequestParser::build(std::string_view head) {
  head_.clear();
  head_.head_size = head.size();
  parse_request_line(collect_fields(head, head_), &head_);  // valid: the scanner checked it

  Framing framing;
  const ParseError e = read_framing(head_, framing);
  if (e != ParseError::None) return e;
  if (framing.chunked) {
    head_.body = BodyKind::Chunked;
  } else if (framing.has_length) {
    head_.body = BodyKind::Length;
    head_.content_length = framing.length;
  }
  read_connection(head_);

  // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for any
  // request with several Host lines or an invalid Host value.
  int hosts = 0;
  for (const Header& h : head_.headers) {
    if (iequals(h.name, "host")) {
      if (++hosts == 1) head_.host = h.value;
    } else if (iequals(h.name, "expect") && iequals(h.value, "100-continue")) {
      head_.expect_continue = true;
    }
  }
  if (hosts > 1 || (hosts == 0 && head_.version_minor == 1) || !valid_host(head_.host)) {
    return ParseError::MissingHost;
  }
  return ParseError::None;
}

}  // namespace tandem::http
