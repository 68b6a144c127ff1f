#pragma once
// Parsers for the value types of the config file: durations with units,
// counts with optional k/m suffixes, booleans, bounded integers, keywords,
// and the name syntax of sections and servers. Each is a pure function from
// the value text (already trimmed by the INI layer) to a Result whose error
// message is operator-facing and says what was expected. Internal to conf/.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "conf/config.h"

namespace tandem::conf {

// The longest duration accepted anywhere: 365 days.
inline constexpr Millis kMaxDuration{365LL * 24 * 3600 * 1000};

// "100ms", "2s", "5m", "1h", "1.5s". A unit is required; the value must come
// to a whole number of milliseconds and at most kMaxDuration.
base::Result<Millis> parse_duration(std::string_view text);

// parse_duration() and then min <= value <= max.
base::Result<Millis> parse_duration_in(std::string_view text, Millis min, Millis max);

// Prints a duration the way an operator would write it: "30s", "500ms",
// "5m", "1h", "1500ms".
std::string format_duration(Millis d);

// A non-negative decimal integer with min <= value <= max. When `suffixes` is
// true, "k" (x1000) and "m" (x1000000) may follow ("100k"), in either case.
base::Result<int64_t> parse_count(std::string_view text, int64_t min, int64_t max, bool suffixes = false);

// A number of bytes, optionally followed by k (x1024), m (x1024^2), g
// (x1024^3) or t (x1024^4), in either case ("16k", "1m", "100g"), with
// min <= value <= max.
base::Result<uint64_t> parse_size(std::string_view text, uint64_t min, uint64_t max);

// Prints a size with the largest suffix that divides it exactly: "16k",
// "1m", "300".
std::string format_size(uint64_t bytes);

// Events per second: a decimal number with at most 3 decimals and an
// optional "/s" ("20", "20/s", "0.5/s"), with 0 <= value <= max.
base::Result<double> parse_rate(std::string_view text, int64_t max);

// yes/no, true/false, on/off, 1/0, in any case.
base::Result<bool> parse_bool(std::string_view text);

// One keyword of an enumeration and the value it stands for.
template <typename E>
struct Keyword {
  std::string_view word;
  E value;
};

// The message for a word not in `words`: lists them and suggests the
// closest. Shared by parse_keyword() and callers with their own syntax.
std::string unknown_keyword_message(std::string_view text, std::span<const std::string_view> words);

// True when a and b are equal ignoring ASCII case. Pure.
bool iequals(std::string_view a, std::string_view b);

// Matches `text` against the keywords, ignoring ASCII case.
template <typename E, size_t N>
base::Result<E> parse_keyword(std::string_view text, const Keyword<E> (&table)[N]) {
  std::string_view words[N];
  for (size_t i = 0; i < N; ++i) {
    if (iequals(text, table[i].word)) return table[i].value;
    words[i] = table[i].word;
  }
  return base::make_error(unknown_keyword_message(text, words));
}

// Names of sections, servers and the node: [A-Za-z0-9_.-]+, 1..64 chars.
// `what` names the thing in the message ("server name").
inline constexpr size_t kMaxNameLength = 64;
base::Status check_name(std::string_view text, std::string_view what);

// An HTTP token (RFC 9110) such as a header or cookie name.
base::Status check_token(std::string_view text, std::string_view what);

// A host name as a route or `sni=` names it: letters, digits, '-', '_' and
// '.'-separated non-empty labels, at most 253 characters; with `wildcard`,
// "*." may lead. No port. `what` names it in messages. Pure.
base::Status check_host_name(std::string_view text, std::string_view what, bool wildcard);

// Splits on ASCII spaces and tabs, dropping empty pieces.
std::vector<std::string_view> split_words(std::string_view text);

// Shows a piece of operator input in a message: quoted, cut to a sane length,
// control bytes escaped.
std::string quote(std::string_view text);

}  // namespace tandem::conf
