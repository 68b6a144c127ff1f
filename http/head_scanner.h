#pragma once
// Finds the end of an HTTP/1.x head in a growing receive buffer, checking
// every line as it completes: the one scanning code path of RequestParser
// and ResponseParser (which differ only in their start line). Internal to
// http/.
//
// Each call resumes at the byte where the previous one stopped, so the
// total work is linear in the head size. Only offsets are kept, never views,
// so the buffer may move between calls. Limits are enforced byte by byte:
// scan() refuses as soon as a line would exceed max_line, the head
// max_head, or the fields max_headers; it never answers NeedMore for a
// buffer holding more than max_head bytes of an unfinished head.
//
// Line ends are CRLF only (bare CR: BareCR, bare LF: BareLF). Empty lines
// before the start line are skipped (counted in head_size), at most
// StartLineRules::max_leading_empty_lines of them.
//
// Threading: one message's, on its worker's thread.

#include <cstddef>
#include <string_view>

#include "http/field_rules.h"
#include "http/message_head.h"

namespace tandem::http {

enum class ScanStatus { NeedMore, Done, Error };

// What differs between a request head and a response head.
struct StartLineRules {
  // Validates (out == nullptr) or parses the start line (start_line.h).
  ParseError (*parse)(std::string_view line, MessageHead* out);
  // The error for a start line over max_line.
  ParseError too_long;
  // Empty lines tolerated before the start line; one more is refused with
  // parse("")'s error.
  int max_leading_empty_lines;
};

class HeadScanner {
 public:
  HeadScanner(const Limits& limits, const StartLineRules& rules) : limits_(limits), rules_(rules) {}

  // Scans `buffer` (the whole message so far, the same bytes as on the
  // previous call, possibly extended or moved) from where it stopped.
  // Done: head_size() bytes are a valid head. After Done or Error, returns
  // the same again until reset().
  ScanStatus scan(std::string_view buffer);

  ParseError error() const { return error_; }
  size_t head_size() const { return head_size_; }
  void reset();

 private:
  ScanStatus fail(ParseError e);
  // A line (without CRLF) ended at `end` (the offset after its CRLF).
  ParseError end_line(std::string_view line, size_t end);
  // A byte of a line's content at offset `at`.
  ParseError content_byte(uint8_t c, size_t at);

  Limits limits_;
  StartLineRules rules_;
  ScanStatus status_ = ScanStatus::NeedMore;
  ParseError error_ = ParseError::None;
  size_t pos_ = 0;         // next byte to scan
  size_t line_start_ = 0;  // offset of the current line
  bool start_seen_ = false;
  int leading_empty_ = 0;
  size_t fields_ = 0;
  size_t head_size_ = 0;
  FieldLineChecker field_;
};

// Walks a head that HeadScanner accepted (`head`: its head_size bytes):
// skips the leading empty lines, appends a Header per field line to
// out.headers (views into `head`) and returns the start line.
std::string_view collect_fields(std::string_view head, MessageHead& out);

// What RequestParser and ResponseParser share around the scanner: the head
// being filled (its field storage reserved once, kept across reset()) and
// the result, which stays Done or Error until reset().
class HeadParse {
 public:
  HeadParse(const Limits& limits, const StartLineRules& rules) : scanner_(limits, rules) {
    head_.headers.reserve(limits.max_headers);
  }

  // Scans `buffer`; once the head is whole, its fields are collected and
  // `build(start_line, head)` completes the head: the start line (valid:
  // the scanner checked it), the framing; it returns None or why the head
  // is refused.
  template <typename Build>
  ParseStatus feed(std::string_view buffer, Build&& build) {
    if (status_ != ParseStatus::NeedMore) return status_;
    switch (scanner_.scan(buffer)) {
      case ScanStatus::NeedMore: return status_;
      case ScanStatus::Error: return fail(scanner_.error());
      case ScanStatus::Done: break;
    }
    head_.clear();
    head_.head_size = scanner_.head_size();
    const std::string_view start_line = collect_fields(buffer.substr(0, head_.head_size), head_);
    if (const ParseError e = build(start_line, head_); e != ParseError::None) return fail(e);
    status_ = ParseStatus::Done;
    return status_;
  }

  const MessageHead& head() const { return head_; }
  ParseError error() const { return error_; }
  void reset() {
    head_.clear();
    scanner_.reset();
    status_ = ParseStatus::NeedMore;
    error_ = ParseError::None;
  }

 private:
  ParseStatus fail(ParseError e) {
    error_ = e;
    status_ = ParseStatus::Error;
    return status_;
  }

  MessageHead head_;
  HeadScanner scanner_;  // the bytes scanned so far and their state
  ParseStatus status_ = ParseStatus::NeedMore;
  ParseError error_ = ParseError::None;
};

}  // namespace tandem::http
