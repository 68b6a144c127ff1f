#pragma once
// "Did you mean ...?" for config messages: the closest known word to a
// misspelled one. Internal to conf/.

#include <span>
#include <string>
#include <string_view>

namespace tandem::conf {

// Edit distance (optimal string alignment: insert, delete, substitute, swap
// two neighbours), ignoring ASCII case. Pure.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is an obvious misspelling (a small
// edit distance relative to the length, or the only candidate it
// abbreviates), or empty when none is. Ties go to the earlier candidate. Pure.
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'X'?)" when closest_match() finds X, else "". Pure.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace tandem::conf
