#pragma once
// Frames config text into lines for inih (an `ini_reader` for
// ini_parse_stream). Debian's inih gives its handler no line numbers, cuts
// lines at a 200-byte buffer (the rest would come back as a separate line),
// and treats indented lines as continuations of the previous value. This
// reader sits in front of it and
//   - counts lines, so the loader knows the FILE:LINE of every key;
//   - drops a UTF-8 BOM at the start and the '\r' of CRLF endings;
//   - strips leading blanks, so an indented key is a key, not a continuation;
//   - reports over-long lines, control bytes and lines that are neither
//     "KEY = VALUE" nor "[SECTION]" to its sink, and hands inih an empty line
//     in their place (so nothing is cut, split or silently skipped);
//   - reports section headers to its sink itself (the loader tracks sections
//     from these; inih only splits "KEY = VALUE" lines).
// Comment lines (';' or '#' first) may be of any length. Internal to conf/.

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem::conf {

// Receives what the reader finds between the lines it hands to inih. Called
// synchronously from read(), after inih has fully handled the line before.
class LineSink {
 public:
  virtual ~LineSink() = default;
  // A well-formed "[NAME]" header (NAME trimmed, not yet validated).
  virtual void on_section_header(int line, std::string_view name) = 0;
  // A line starting with '[' that is not a well-formed header. What
  // follows it belongs to no known section.
  virtual void on_bad_header(int line, std::string message) = 0;
  // Any other line that cannot be used; `message` says why.
  virtual void on_bad_line(int line, std::string message) = 0;
  // False stops the reading early (e.g. after too many errors).
  virtual bool wants_more() const = 0;
};

class LineReader {
 public:
  // The longest line accepted, in bytes without its line ending: what
  // Debian's 200-byte buffer holds with room for '\n' and the NUL.
  static constexpr size_t kMaxLineBytes = 198;

  // `text` and `sink` must outlive the reader.
  LineReader(std::string_view text, LineSink& sink) : text_(text), sink_(sink) {}

  // The ini_reader entry point; `self` is a LineReader*. Copies the next
  // line as inih should see it into `buf` (always fits in `size`), or returns
  // nullptr at the end of the text.
  static char* read(char* buf, int size, void* self);

  // The number (1-based) of the line last handed out; 0 before the first.
  int line() const { return line_; }

 private:
  char* next(char* buf, size_t size);
  // Returns the text inih should see for one line (possibly empty).
  std::string_view classify(std::string_view raw, size_t limit);

  std::string_view text_;
  LineSink& sink_;
  size_t pos_ = 0;
  int line_ = 0;
};

}  // namespace tandem::conf
