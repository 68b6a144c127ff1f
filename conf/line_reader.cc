#include "conf/line_reader.h"

#include <cstring>

#include "conf/values.h"

namespace tandem::conf {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Where inih ends the key of "KEY = VALUE": the first '=' or ':', or an
// inline comment (';' after a blank). Mirrors find_chars_or_comment().
char key_terminator(std::string_view s) {
  bool was_blank = false;
  for (char c : s) {
    if (c == '=' || c == ':') return c;
    if (was_blank && c == ';') return ';';
    was_blank = is_blank(c);
  }
  return '\0';
}

}  // namespace

char* LineReader::read(char* buf, int size, void* self) {
  auto* reader = static_cast<LineReader*>(self);
  if (size < 3) {  // an inih built with a tiny buffer: say so rather than read nothing
    reader->sink_.on_bad_line(0, "the INI parser's line buffer is too small (" + std::to_string(size) + " bytes)");
    return nullptr;
  }
  return reader->next(buf, static_cast<size_t>(size));
}

char* LineReader::next(char* buf, size_t size) {
  if (pos_ >= text_.size() || !sink_.wants_more()) return nullptr;
  size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) end = text_.size();
  std::string_view raw = text_.substr(pos_, end - pos_);
  pos_ = end + 1;
  ++line_;
  if (line_ == 1 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

  std::string_view out = classify(raw, std::min(kMaxLineBytes, size - 2));
  if (!out.empty()) std::memcpy(buf, out.data(), out.size());  // an empty view may have no data()
  buf[out.size()] = '\n';
  buf[out.size() + 1] = '\0';
  return buf;
}

std::string_view LineReader::classify(std::string_view raw, size_t limit) {
  std::string_view line = trim(raw);
  if (line.empty() || line.front() == ';' || line.front() == '#') return {};
  if (raw.size() > limit) {
    sink_.on_bad_line(line_, "line too long (" + std::to_string(raw.size()) + " bytes; at most " +
                                 std::to_string(limit) + ")");
    return {};
  }
  for (size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      sink_.on_bad_line(line_, "control character " + quote(line.substr(i, 1)) + " in line");
      return {};
    }
  }
  if (line.front() == '[') {
    size_t close = line.find(']');
    if (close == std::string_view::npos) {
      sink_.on_bad_header(line_, "missing ']' in section header " + quote(line));
      return {};
    }
    std::string_view rest = trim(line.substr(close + 1));
    if (!rest.empty() && rest.front() != ';' && rest.front() != '#') {
      sink_.on_bad_header(line_, "unexpected text " + quote(rest) + " after section header");
      return {};
    }
    sink_.on_section_header(line_, trim(line.substr(1, close - 1)));
    return {};
  }
  if (key_terminator(line) != '=') {
    sink_.on_bad_line(line_, "expected 'KEY = VALUE' or '[SECTION]', got " + quote(line));
    return {};
  }
  return line;
}

}  // namespace tandem::conf
