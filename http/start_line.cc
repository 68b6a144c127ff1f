// Request and status lines (http/start_line.h).

#include "http/start_line.h"

#include "http/field_rules.h"

namespace tandem::http {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The minor version of "HTTP/1.0" or "HTTP/1.1"; -1 for another
// HTTP/DIGIT.DIGIT (BadVersion); -2 for anything else (a malformed line).
// HTTP-name is case-sensitive (RFC 9112 2.3).
int version_minor(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7])) return -2;
  if (v[5] == '1' && (v[7] == '0' || v[7] == '1')) return v[7] - '0';
  return -1;
}

bool all_bytes(std::string_view s, bool (*ok)(uint8_t)) {
  for (const char c : s) {
    if (!ok(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

bool is_target_byte(uint8_t c) { return c >= 0x21 && c <= 0x7E; }

}  // namespace

ParseError parse_request_line(std::string_view line, MessageHead* out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return ParseError::BadRequestLine;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return ParseError::BadRequestLine;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return ParseError::BadRequestLine;
  if (!all_bytes(method, is_tchar)) return ParseError::BadMethod;
  if (target.empty() || !all_bytes(target, is_target_byte)) return ParseError::BadTarget;
  const int minor = version_minor(version);
  if (minor == -2) return ParseError::BadRequestLine;
  if (minor == -1) return ParseError::BadVersion;
  if (out != nullptr) {
    out->method = method;
    out->target = target;
    out->version_minor = minor;
  }
  return ParseError::None;
}

ParseError parse_status_line(std::string_view line, MessageHead* out) {
  // "HTTP/1.1 200" is 12 bytes; a reason needs the SP at 12.
  if (line.size() < 12 || line[8] != ' ') return ParseError::BadStatusLine;
  if (line.size() > 12 && line[12] != ' ') return ParseError::BadStatusLine;
  const int minor = version_minor(line.substr(0, 8));
  if (minor == -2) return ParseError::BadStatusLine;
  if (minor == -1) return ParseError::BadVersion;
  const std::string_view code = line.substr(9, 3);
  if (!is_digit(code[0]) || !is_digit(code[1]) || !is_digit(code[2])) return ParseError::BadStatusLine;
  const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status < 100 || status > 599) return ParseError::BadStatusLine;
  const std::string_view reason = line.size() > 12 ? line.substr(13) : std::string_view();
  if (!all_bytes(reason, is_field_value_byte)) return ParseError::BadStatusLine;
  if (out != nullptr) {
    out->status = status;
    out->reason = reason;
    out->version_minor = minor;
  }
  return ParseError::None;
}

}  // namespace tandem::http
