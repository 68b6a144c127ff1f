#include "conf/suggest.h"

#include <algorithm>
#include <vector>

namespace tandem::conf {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows are enough for the transposition rule.
  const size_t n = b.size();
  std::vector<size_t> prev2(n + 1), prev(n + 1), cur(n + 1);
  for (size_t j = 0; j <= n; ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= n; ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  // Config words are short; anything longer than this is not a typo of one
  // (and keeps the quadratic distance cheap on hostile input).
  constexpr size_t kMaxWord = 64;
  if (word.empty() || word.size() > kMaxWord) return {};
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(word, c);
    // "Obvious": at most 2 edits, and fewer than a third of the word.
    size_t limit = std::min<size_t>(2, std::max<size_t>(1, c.size() / 3));
    if (d <= limit && d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (!best.empty()) return std::string(best);
  // An abbreviation ("warn" for "warning"), when only one word starts so.
  if (word.size() < 3) return {};
  int prefixed = 0;
  for (std::string_view c : candidates) {
    if (c.size() > word.size() && edit_distance(c.substr(0, word.size()), word) == 0) {
      best = c;
      ++prefixed;
    }
  }
  return prefixed == 1 ? std::string(best) : std::string();
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  std::string m = closest_match(word, candidates);
  return m.empty() ? std::string() : " (did you mean '" + m + "'?)";
}

}  // namespace tandem::conf
