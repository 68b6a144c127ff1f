#include "conf/error_list.h"

#include <algorithm>

namespace tandem::conf {

void ErrorList::add(int line, std::string_view section, std::string_view key, std::string message) {
  if (full()) {
    ++dropped_;
    return;
  }
  errors_.push_back(ConfigError{file_, line, std::string(section), std::string(key), std::move(message)});
}

bool ErrorList::has_error_at(int line) const {
  return std::any_of(errors_.begin(), errors_.end(), [&](const ConfigError& e) { return e.line == line; });
}

std::vector<ConfigError> ErrorList::take() {
  std::vector<ConfigError> out = std::move(errors_);
  errors_.clear();
  std::stable_sort(out.begin(), out.end(), [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  if (out.size() >= kMaxErrors) {
    int last = out.back().line;
    out.push_back(ConfigError{file_, last, "", "",
                              "too many errors; stopped reading after " + std::to_string(kMaxErrors) +
                                  (dropped_ ? " (" + std::to_string(dropped_) + " more not shown)" : std::string())});
  }
  dropped_ = 0;
  return out;
}

}  // namespace tandem::conf
