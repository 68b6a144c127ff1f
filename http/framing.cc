// Content-Length, Transfer-Encoding and Connection (http/framing.h).

#include "http/framing.h"

#include "http/field_rules.h"

namespace tandem::http {
namespace {

// One Content-Length element: 1*DIGIT, at most kMaxContentLength.
bool parse_length(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > kMaxContentLength) return false;  // checked per digit: never overflows
  }
  out = v;
  return true;
}

// Adds one Content-Length field's elements to `out`.
ParseError add_lengths(std::string_view value, Framing& out) {
  ListCursor list(value);
  while (!list.done()) {
    uint64_t v = 0;
    if (!parse_length(list.next(), v)) return ParseError::BadContentLength;
    if (out.has_length && v != out.length) return ParseError::ConflictingContentLength;
    out.has_length = true;
    out.length = v;
  }
  return ParseError::None;
}

}  // namespace

ParseError read_framing(const MessageHead& head, Framing& out) {
  out = Framing{};
  bool has_cl = false;
  bool has_te = false;
  int codings = 0;
  bool only_chunked = true;
  for (const Header& h : head.headers) {
    if (iequals(h.name, "content-length")) {
      has_cl = true;
    } else if (iequals(h.name, "transfer-encoding")) {
      has_te = true;
      ListCursor list(h.value);
      while (!list.done()) {
        ++codings;
        if (!iequals(list.next(), "chunked")) only_chunked = false;
      }
    }
  }
  if (has_cl && has_te) return ParseError::ContentLengthWithTransferEncoding;
  if (has_te) {
    if (head.version_minor == 0) return ParseError::TransferEncodingInHttp10;
    if (codings != 1 || !only_chunked) return ParseError::BadTransferEncoding;
    out.chunked = true;
    return ParseError::None;
  }
  for (const Header& h : head.headers) {
    if (!iequals(h.name, "content-length")) continue;
    const ParseError e = add_lengths(h.value, out);
    if (e != ParseError::None) return e;
  }
  return ParseError::None;
}

void read_connection(MessageHead& head) {
  bool keep_alive_token = false;
  for (const Header& h : head.headers) {
    if (iequals(h.name, "connection")) {
      ListCursor list(h.value);
      while (!list.done()) {
        const std::string_view token = list.next();
        if (iequals(token, "close")) head.connection_close = true;
        if (iequals(token, "keep-alive")) keep_alive_token = true;
        if (iequals(token, "upgrade")) head.connection_upgrade = true;
      }
    } else if (iequals(h.name, "upgrade") && head.upgrade.empty()) {
      head.upgrade = h.value;
    }
  }
  head.keep_alive = !head.connection_close && (head.version_minor == 1 || keep_alive_token);
}

}  // namespace tandem::http
