// Field-line rules shared by the head parsers and the chunked decoder's
// trailer section (http/field_rules.h).

#include "http/field_rules.h"

namespace tandem::http {

bool is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_field_value_byte(uint8_t c) { return (c >= 0x21 && c != 0x7F) || c == ' ' || c == '\t'; }

ParseError FieldLineChecker::feed(uint8_t c) {
  switch (state_) {
    case State::Start:
      if (is_ows(c)) return ParseError::ObsFold;
      if (!is_tchar(c)) return ParseError::BadFieldName;  // includes ':' (an empty name)
      state_ = State::Name;
      return ParseError::None;
    case State::Name:
      if (c == ':') {
        state_ = State::Value;
        return ParseError::None;
      }
      if (is_ows(c)) {
        state_ = State::NameSpace;
        return ParseError::None;
      }
      return is_tchar(c) ? ParseError::None : ParseError::BadFieldName;
    case State::NameSpace:
      // "Name :" is the smuggling sign RFC 9112 5.1 names; "Na me:" is
      // simply not a token.
      if (c == ':') return ParseError::WhitespaceBeforeColon;
      return is_ows(c) ? ParseError::None : ParseError::BadFieldName;
    case State::Value:
      return is_field_value_byte(c) ? ParseError::None : ParseError::InvalidByte;
  }
  return ParseError::None;
}

ParseError FieldLineChecker::finish() const {
  return state_ == State::Value ? ParseError::None : ParseError::BadFieldName;
}

ParseError check_field_line(std::string_view line) {
  FieldLineChecker checker;
  for (const char ch : line) {
    const ParseError e = checker.feed(static_cast<uint8_t>(ch));
    if (e != ParseError::None) return e;
  }
  return checker.finish();
}

Header split_field_line(std::string_view line) {
  const size_t colon = line.find(':');
  return Header{line.substr(0, colon), trim_ows(line.substr(colon + 1))};
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(static_cast<uint8_t>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_ows(static_cast<uint8_t>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view ListCursor::next() {
  const size_t comma = rest_.find(',');
  std::string_view element = rest_.substr(0, comma);
  if (comma == std::string_view::npos) {
    finished_ = true;
    rest_ = {};
  } else {
    rest_.remove_prefix(comma + 1);
  }
  return trim_ows(element);
}

}  // namespace tandem::http
