#pragma once
// Helpers shared by the conf/ tests: build a config from numbered lines and
// look at its errors as the operator sees them.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"

namespace tandem::conf::testing {

// Joins lines with '\n', so line N of the text is element N-1.
inline std::string lines(std::initializer_list<std::string_view> ls) {
  std::string out;
  for (auto l : ls) out.append(l).append("\n");
  return out;
}

// The errors of loading `text` as "t.ini", without DNS, as printed.
inline std::vector<std::string> errors_of(const std::string& text) {
  LoadResult r = load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

// A valid frontend + pool, for tests that add one mistake to it. Lines 1-5.
inline constexpr std::string_view kFrontend = "[frontend:web]";         // line 1
inline constexpr std::string_view kBind = "bind = 127.0.0.1:8080";      // line 2
inline constexpr std::string_view kUsePool = "pool = app";              // line 3
inline constexpr std::string_view kPool = "[pool:app]";                 // line 4
inline constexpr std::string_view kServer = "server = a 127.0.0.1:9001";  // line 5

}  // namespace tandem::conf::testing
