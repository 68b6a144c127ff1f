// Incremental head scanning shared by the request and response parsers
// (http/head_scanner.h).

#include "http/head_scanner.h"

namespace tandem::http {

ScanStatus HeadScanner::fail(ParseError e) {
  error_ = e;
  status_ = ScanStatus::Error;
  return status_;
}

void HeadScanner::reset() {
  status_ = ScanStatus::NeedMore;
  error_ = ParseError::None;
  pos_ = line_start_ = 0;
  start_seen_ = false;
  leading_empty_ = 0;
  fields_ = 0;
  head_size_ = 0;
  field_.reset();
}

ScanStatus HeadScanner::scan(std::string_view buffer) {
  if (status_ != ScanStatus::NeedMore) return status_;
  if (buffer.size() < pos_) return fail(rules_.parse({}, nullptr));  // the caller broke the contract
  const size_t n = buffer.size();
  size_t i = pos_;
  while (i < n) {
    const uint8_t c = static_cast<uint8_t>(buffer[i]);
    if (c == '\r') {
      // The line, and so the head, would end at i + 2 at the earliest.
      if (i + 2 > limits_.max_head) return fail(ParseError::HeadTooLarge);
      if (i + 1 == n) break;  // its LF may be in the next read
      if (buffer[i + 1] != '\n') return fail(ParseError::BareCR);
      const size_t end = i + 2;
      const ParseError e = end_line(buffer.substr(line_start_, i - line_start_), end);
      if (e != ParseError::None) return fail(e);
      if (status_ == ScanStatus::Done) return status_;
      i = line_start_ = end;
      continue;
    }
    if (c == '\n') return fail(ParseError::BareLF);
    const ParseError e = content_byte(c, i);
    if (e != ParseError::None) return fail(e);
    ++i;
  }
  pos_ = i;
  return ScanStatus::NeedMore;
}

ParseError HeadScanner::content_byte(uint8_t c, size_t at) {
  // This line will have at least its bytes so far plus CRLF.
  if (at + 1 - line_start_ + 2 > limits_.max_line) {
    return start_seen_ ? ParseError::LineTooLong : rules_.too_long;
  }
  if (at + 1 > limits_.max_head) return ParseError::HeadTooLarge;
  if (!start_seen_) return ParseError::None;  // the start line is checked whole, at its end
  if (at == line_start_ && ++fields_ > limits_.max_headers) return ParseError::TooManyHeaders;
  return field_.feed(c);
}

ParseError HeadScanner::end_line(std::string_view line, size_t end) {
  if (!start_seen_) {
    if (line.empty()) {
      // RFC 9112 2.2: a server SHOULD ignore at least one empty line before
      // the request line; a bounded number of them.
      if (++leading_empty_ > rules_.max_leading_empty_lines) return rules_.parse(line, nullptr);
      return ParseError::None;
    }
    start_seen_ = true;
    return rules_.parse(line, nullptr);
  }
  if (line.empty()) {
    head_size_ = end;
    status_ = ScanStatus::Done;
    return ParseError::None;
  }
  const ParseError e = field_.finish();
  field_.reset();
  return e;
}

std::string_view collect_fields(std::string_view head, MessageHead& out) {
  std::string_view start;
  bool start_seen = false;
  while (!head.empty()) {
    const size_t crlf = head.find("\r\n");
    if (crlf == std::string_view::npos) break;  // not a scanned head
    const std::string_view line = head.substr(0, crlf);
    head.remove_prefix(crlf + 2);
    if (!start_seen) {
      if (line.empty()) continue;
      start = line;
      start_seen = true;
    } else if (line.empty()) {
      break;
    } else {
      out.headers.push_back(split_field_line(line));
    }
  }
  return start;
}

}  // namespace tandem::http
