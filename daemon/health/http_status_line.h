#pragma once
// Parsing the status line of an HTTP/1.x response, for HTTP health checks: a
// pure function over the bytes received so far (STYLE habit 2), so the probe
// (I/O) stays apart from the codec and the codec is testable on its own.

#include <string_view>

namespace tandem::health {

struct StatusLineParse {
  enum class Outcome {
    NeedMore,  // no complete line yet and nothing wrong so far
    Bad,       // not "HTTP/1.x NNN[ reason]" (or the line is not over yet but already wrong)
    Done,      // `status` is valid
  };
  Outcome outcome = Outcome::NeedMore;
  int status = 0;
};

// Parses `received`, the first bytes of a response. The status line must be
// "HTTP/1.<digit> <3 digits>" followed by a space (then a reason phrase),
// or the line end; the line ends with "\n" (usually "\r\n"). Bytes after the
// line are ignored. Thread-safe (pure).
StatusLineParse parse_status_line(std::string_view received);

}  // namespace tandem::health
