#pragma once
// What the loader has read before the cross-checks: every section as parsed,
// with where each key was seen, including repeated sections (parsed so their
// own errors are reported, then dropped). Internal to conf/.

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"

namespace tandem::conf {

struct SectionRecord {
  std::string label;       // the header without brackets: "pool:app"
  int line = 0;            // the header's line
  bool duplicate = false;  // repeats an earlier section of the same label
  // key -> every line it appeared on (valid value or not)
  std::map<std::string, std::vector<int>, std::less<>> seen;
  // key -> the lines whose value was valid and stored, in order (for `bind`,
  // applied["bind"][i] is the line of binds[i])
  std::map<std::string, std::vector<int>, std::less<>> applied;

  // The first line `key` appeared on, or 0 if it never did.
  int first_line(std::string_view key) const {
    auto it = seen.find(key);
    return it == seen.end() ? 0 : it->second.front();
  }
};

template <typename T>
struct Parsed {
  T conf;
  SectionRecord record;
};

// Deques, so the loader may keep pointers to the section being filled.
struct ParsedConfig {
  std::deque<Parsed<GlobalConf>> globals;
  std::deque<Parsed<FrontendConf>> frontends;
  std::deque<Parsed<PoolConf>> pools;
  std::deque<Parsed<VrrpConf>> vrrp;
  // A section header was rejected (unknown kind, bad name): what it held is
  // unknown, so checks of references between sections would only guess.
  bool rejected_sections = false;
};

}  // namespace tandem::conf
