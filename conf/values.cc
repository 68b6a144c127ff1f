#include "conf/values.h"

#include <cstring>

#include "conf/suggest.h"

namespace tandem::conf {
namespace {

using base::make_error;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Unit {
  std::string_view name;
  int64_t ms;
};
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};

// Digits only, at most `max_digits` of them (so the value cannot overflow).
bool parse_digits(std::string_view s, size_t max_digits, int64_t* out) {
  if (s.empty() || s.size() > max_digits) return false;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

constexpr size_t kMaxHostName = 253;

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
}

std::string range_text(int64_t min, int64_t max) { return std::to_string(min) + ".." + std::to_string(max); }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string out = "'";
  size_t shown = 0;
  for (char c : text) {
    if (shown == kMaxShown) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
    ++shown;
  }
  return out + "'";
}

base::Result<Millis> parse_duration(std::string_view text) {
  const std::string hint = " (write a number and a unit: 500ms, 2s, 5m, 1h)";
  size_t i = 0;
  while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
  std::string_view number = text.substr(0, i), unit_text = text.substr(i);
  size_t dot = number.find('.');
  std::string_view int_part = number.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  bool number_ok = !int_part.empty() && (dot == std::string_view::npos || !frac_part.empty()) &&
                   frac_part.find('.') == std::string_view::npos;
  if (!number_ok) return make_error("bad duration " + quote(text) + hint);
  if (unit_text.empty()) return make_error("duration " + quote(text) + " needs a unit (ms, s, m, h)");
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits)
    if (u.name == unit_text) unit = &u;
  if (unit == nullptr)
    return make_error("unknown unit " + quote(unit_text) + " in " + quote(text) + " (use ms, s, m or h)");

  int64_t whole = 0, frac = 0;
  if (!parse_digits(int_part, 12, &whole) || (whole * unit->ms) > kMaxDuration.count())
    return make_error("duration " + quote(text) + " is too long (at most " + format_duration(kMaxDuration) + ")");
  if (!frac_part.empty() && !parse_digits(frac_part, 9, &frac))
    return make_error("duration " + quote(text) + " has too many decimals");
  int64_t scale = 1;
  for (size_t k = 0; k < frac_part.size(); ++k) scale *= 10;
  int64_t frac_ms = frac * unit->ms;
  if (frac_ms % scale != 0)
    return make_error("duration " + quote(text) + " is not a whole number of milliseconds");
  int64_t total = whole * unit->ms + frac_ms / scale;
  if (total > kMaxDuration.count())
    return make_error("duration " + quote(text) + " is too long (at most " + format_duration(kMaxDuration) + ")");
  return Millis(total);
}

base::Result<Millis> parse_duration_in(std::string_view text, Millis min, Millis max) {
  auto d = parse_duration(text);
  if (!d) return d;
  if (*d < min || *d > max)
    return make_error(quote(text) + " is out of range (" + format_duration(min) + ".." + format_duration(max) + ")");
  return d;
}

std::string format_duration(Millis d) {
  int64_t ms = d.count();
  if (ms != 0) {
    for (size_t i = std::size(kUnits); i-- > 0;)
      if (ms % kUnits[i].ms == 0) return std::to_string(ms / kUnits[i].ms) + std::string(kUnits[i].name);
  }
  return std::to_string(ms) + "ms";
}

base::Result<int64_t> parse_count(std::string_view text, int64_t min, int64_t max, bool suffixes) {
  std::string_view digits = text;
  int64_t multiplier = 1;
  char last = text.empty() ? '\0' : text.back();
  if (last == 'k' || last == 'K') multiplier = 1000;
  if (last == 'm' || last == 'M') multiplier = 1000 * 1000;
  if (multiplier != 1) {
    if (!suffixes) return make_error(quote(text) + ": this key takes a plain integer (no k/m suffix)");
    digits.remove_suffix(1);
  }
  bool all_digits = !digits.empty();
  for (char c : digits) all_digits = all_digits && is_digit(c);
  if (!all_digits)
    return make_error("bad number " + quote(text) + (suffixes ? " (expected an integer, optionally with k or m: 100k)"
                                                              : " (expected an integer)"));
  int64_t v = 0;  // at most 12 digits, so v * multiplier cannot overflow
  if (!parse_digits(digits, 12, &v) || v * multiplier > max || v * multiplier < min)
    return make_error(quote(text) + " is out of range (" + range_text(min, max) + ")");
  return v * multiplier;
}

base::Result<uint64_t> parse_size(std::string_view text, uint64_t min, uint64_t max) {
  static constexpr std::string_view kSuffixes = "kmgt";
  std::string_view digits = text;
  uint64_t multiplier = 1;
  char last = text.empty() ? '\0' : static_cast<char>(text.back() | 0x20);  // ASCII lower case
  if (size_t i = kSuffixes.find(last); i != std::string_view::npos) {
    multiplier = uint64_t{1} << (10 * (i + 1));
    digits.remove_suffix(1);
  }
  int64_t v = 0;
  bool all_digits = !digits.empty();
  for (char c : digits) all_digits = all_digits && is_digit(c);
  if (!all_digits)
    return make_error("bad size " + quote(text) + " (expected a number of bytes, optionally with k, m, g or t: 16k)");
  // At most 15 digits, and v <= max / multiplier, so nothing overflows.
  if (!parse_digits(digits, 15, &v) || static_cast<uint64_t>(v) > max / multiplier ||
      static_cast<uint64_t>(v) * multiplier < min)
    return make_error(quote(text) + " is out of range (" + format_size(min) + ".." + format_size(max) + ")");
  return static_cast<uint64_t>(v) * multiplier;
}

std::string format_size(uint64_t bytes) {
  static constexpr char kSuffixes[] = "tgmk";
  for (int i = 0; i < 4 && bytes != 0; ++i) {
    uint64_t unit = uint64_t{1} << (10 * (4 - i));
    if (bytes % unit == 0) return std::to_string(bytes / unit) + kSuffixes[i];
  }
  return std::to_string(bytes);
}

base::Result<double> parse_rate(std::string_view text, int64_t max) {
  std::string_view number = text;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view unit = text.substr(slash);
    if (unit != "/s")
      return make_error("unknown unit " + quote(unit) + " in " + quote(text) + " (rates are per second: 20/s)");
    number = text.substr(0, slash);
  }
  size_t dot = number.find('.');
  std::string_view int_part = number.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  int64_t whole = 0, frac = 0;
  if (!parse_digits(int_part, 12, &whole) || (dot != std::string_view::npos && !parse_digits(frac_part, 12, &frac)))
    return make_error("bad rate " + quote(text) + " (expected a number per second: 20, 20/s or 0.5/s)");
  if (frac_part.size() > 3) return make_error("rate " + quote(text) + " has too many decimals (at most 3)");
  double value = static_cast<double>(whole);
  double scale = 1;
  for (size_t k = 0; k < frac_part.size(); ++k) scale *= 10;
  value += static_cast<double>(frac) / scale;
  if (value > static_cast<double>(max))
    return make_error(quote(text) + " is out of range (0.." + std::to_string(max) + "/s)");
  return value;
}

base::Result<bool> parse_bool(std::string_view text) {
  static constexpr Keyword<bool> kBools[] = {{"yes", true},  {"no", false}, {"true", true}, {"false", false},
                                             {"on", true},   {"off", false}, {"1", true},   {"0", false}};
  return parse_keyword(text, kBools);
}

std::string unknown_keyword_message(std::string_view text, std::span<const std::string_view> words) {
  std::string list;
  for (std::string_view w : words) list += (list.empty() ? "" : "|") + std::string(w);
  return "unknown value " + quote(text) + did_you_mean(text, words) + "; expected " + list;
}

base::Status check_name(std::string_view text, std::string_view what) {
  if (text.empty()) return make_error("empty " + std::string(what));
  if (text.size() > kMaxNameLength)
    return make_error(std::string(what) + " " + quote(text) + " is too long (at most " +
                      std::to_string(kMaxNameLength) + " characters)");
  for (char c : text) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
    if (!ok)
      return make_error("bad " + std::string(what) + " " + quote(text) + ": use letters, digits, '_', '.' and '-'");
  }
  return {};
}

base::Status check_token(std::string_view text, std::string_view what) {
  if (text.empty()) return make_error("empty " + std::string(what));
  if (text.size() > 256) return make_error(std::string(what) + " " + quote(text) + " is too long");
  for (char c : text) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
    if (!ok) return make_error("bad " + std::string(what) + " " + quote(text));
  }
  return {};
}

base::Status check_host_name(std::string_view text, std::string_view what, bool wildcard) {
  std::string_view name = text;
  if (wildcard && name.starts_with("*.")) name.remove_prefix(2);
  if (name.size() > kMaxHostName)
    return make_error(std::string(what) + " " + quote(text) + " is too long (at most " +
                      std::to_string(kMaxHostName) + " characters)");
  if (name.find(':') != std::string_view::npos)
    return make_error(std::string(what) + " " + quote(text) + " has a port; give the name alone");
  if (name.find('*') != std::string_view::npos)
    return make_error(std::string(what) + " " + quote(text) +
                      (wildcard ? ": '*' may only start the name, as in '*.example.com'" : ": no wildcard here"));
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) break;
      label = 0;
    } else if (is_host_char(c)) {
      ++label;
    } else {
      return make_error("bad " + std::string(what) + " " + quote(text) + ": use letters, digits, '-', '_' and '.'");
    }
  }
  if (name.empty() || label == 0)
    return make_error("bad " + std::string(what) + " " + quote(text) + ": empty label (a leading, trailing or double '.')");
  return {};
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace tandem::conf
