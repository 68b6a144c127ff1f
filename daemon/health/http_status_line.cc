#include "daemon/health/http_status_line.h"

namespace tandem::health {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Does `have` (possibly shorter) agree with the start of the pattern
// "HTTP/1.D DDD"? 'D' stands for any digit.
bool matches_prefix(std::string_view have) {
  static constexpr std::string_view kPattern = "HTTP/1.D DDD";
  for (size_t i = 0; i < have.size() && i < kPattern.size(); ++i) {
    const char want = kPattern[i];
    if (want == 'D' ? !is_digit(have[i]) : have[i] != want) return false;
  }
  return true;
}

}  // namespace

StatusLineParse parse_status_line(std::string_view received) {
  using Outcome = StatusLineParse::Outcome;
  constexpr size_t kFixed = 12;  // "HTTP/1.1 200"
  const size_t eol = received.find('\n');
  std::string_view line = received.substr(0, eol);  // whole input when no '\n' yet
  if (!matches_prefix(line)) return {Outcome::Bad, 0};
  if (eol == std::string_view::npos) {
    // Reject early when what follows the code is already wrong.
    if (line.size() > kFixed && line[kFixed] != ' ' && line[kFixed] != '\r') return {Outcome::Bad, 0};
    return {Outcome::NeedMore, 0};
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() < kFixed) return {Outcome::Bad, 0};
  if (line.size() > kFixed && line[kFixed] != ' ') return {Outcome::Bad, 0};
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return {Outcome::Bad, 0};
  return {Outcome::Done, status};
}

}  // namespace tandem::health
