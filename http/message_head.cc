// MessageHead's helpers and the texts and statuses of ParseError
// (http/message_head.h).

#include "http/message_head.h"

#include "http/field_rules.h"

namespace tandem::http {

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::None: return "no error";
    case ParseError::HeadTooLarge: return "head larger than max_head_size";
    case ParseError::LineTooLong: return "header line longer than max_header_line";
    case ParseError::RequestLineTooLong: return "request line longer than max_header_line";
    case ParseError::TooManyHeaders: return "more fields than max_headers";
    case ParseError::BadRequestLine: return "malformed request line";
    case ParseError::BadMethod: return "method is not a token";
    case ParseError::BadTarget: return "empty request target or a byte not allowed in it";
    case ParseError::BadVersion: return "HTTP version not supported";
    case ParseError::BadStatusLine: return "malformed status line";
    case ParseError::BadFieldName: return "field name empty or not a token, or no colon";
    case ParseError::WhitespaceBeforeColon: return "whitespace between field name and colon";
    case ParseError::ObsFold: return "obsolete line folding";
    case ParseError::BareCR: return "CR not followed by LF";
    case ParseError::BareLF: return "LF without CR";
    case ParseError::InvalidByte: return "control byte in a field value";
    case ParseError::BadContentLength: return "Content-Length not digits or too large";
    case ParseError::ConflictingContentLength: return "Content-Length values that differ";
    case ParseError::ContentLengthWithTransferEncoding: return "Content-Length together with Transfer-Encoding";
    case ParseError::BadTransferEncoding: return "Transfer-Encoding other than chunked alone";
    case ParseError::TransferEncodingInHttp10: return "Transfer-Encoding in an HTTP/1.0 message";
    case ParseError::MissingHost: return "Host missing, repeated or invalid";
    case ParseError::BadChunkSize: return "chunk size not hex or too large";
    case ParseError::BadChunkFraming: return "malformed chunk framing";
  }
  return "unknown parse error";
}

int status_for(ParseError e) {
  switch (e) {
    case ParseError::None: return 500;  // no error: asking for a status is a caller's bug
    case ParseError::HeadTooLarge:
    case ParseError::LineTooLong:
    case ParseError::TooManyHeaders: return 431;
    case ParseError::RequestLineTooLong: return 414;
    case ParseError::BadVersion: return 505;
    default: return 400;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const Header* MessageHead::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

bool MessageHead::is_hop_by_hop(std::string_view name) const {
  if (name.empty()) return false;  // "Connection: close," lists an empty element
  static constexpr std::string_view kFixed[] = {"connection", "keep-alive", "proxy-connection",
                                                "te",         "trailer",    "upgrade"};
  for (const std::string_view f : kFixed) {
    if (iequals(name, f)) return true;
  }
  for (const Header& h : headers) {
    if (!iequals(h.name, "connection")) continue;
    ListCursor list(h.value);
    while (!list.done()) {
      if (iequals(list.next(), name)) return true;
    }
  }
  return false;
}

void MessageHead::clear() {
  method = target = reason = host = upgrade = {};
  status = 0;
  version_minor = 1;
  headers.clear();  // keeps the capacity reserved by the parser
  body = BodyKind::None;
  content_length = 0;
  keep_alive = true;
  connection_close = connection_upgrade = expect_continue = false;
  head_size = 0;
}

}  // namespace tandem::http
