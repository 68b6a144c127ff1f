#pragma once
// The byte-level rules of HTTP field lines (RFC 9110 5.1, 5.5, 5.6; RFC 9112
// 5), in one place for the request head, the response head and the trailer
// section of a chunked body, so that all three accept exactly the same lines.
// Internal to http/ (the parsers' implementation, not part of its API).
//
//   field-line = field-name ":" OWS field-value OWS
//   field-name = token (1*tchar), no whitespace before the colon
//   field-value bytes: VCHAR, obs-text (0x80-0xFF), SP, HT
//
// A line starting with SP/HT is obs-fold (refused, RFC 9112 5.2). CR and LF
// never reach these rules: the line scanners handle line ends (CRLF only).
//
// Threading: pure functions and a small value type; any thread.

#include <cstdint>
#include <string_view>

#include "http/message_head.h"

namespace tandem::http {

// tchar (RFC 9110 5.6.2).
bool is_tchar(uint8_t c);
// A byte allowed in a field value (and in a reason phrase): VCHAR, obs-text, SP, HT.
bool is_field_value_byte(uint8_t c);
// SP or HT (OWS).
inline bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

// Validates one field line as it streams by, one byte at a time, so that a
// trailer line split across reads needs no buffering. The head scanner feeds
// the same bytes through it.
class FieldLineChecker {
 public:
  // The next byte of the line (never CR or LF). Returns the first rule the
  // line breaks, or None; after an error the checker must be reset().
  ParseError feed(uint8_t c);
  // At the line's end (its CRLF seen): None if the line was a whole field
  // line, BadFieldName if it had no colon.
  ParseError finish() const;
  // Ready for the next line.
  void reset() { state_ = State::Start; }

 private:
  enum class State { Start, Name, NameSpace, Value };
  State state_ = State::Start;
};

// The checker over a whole line (without its CRLF).
ParseError check_field_line(std::string_view line);

// Splits a line that check_field_line accepted: the name before the colon,
// the value with leading and trailing SP/HT removed. Views into `line`.
Header split_field_line(std::string_view line);

// Removes leading and trailing SP/HT.
std::string_view trim_ows(std::string_view s);

// Walks a comma-separated list (RFC 9110 5.6.1) without allocating: each
// call to next() gives the next element with OWS trimmed (possibly empty,
// for "a,,b"), until done().
class ListCursor {
 public:
  explicit ListCursor(std::string_view value) : rest_(value) {}
  bool done() const { return finished_; }
  std::string_view next();

 private:
  std::string_view rest_;
  bool finished_ = false;
};

}  // namespace tandem::http
