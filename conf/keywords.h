#pragma once
// The keywords of the enumerated config values, shared by the parsers and the
// to_string() functions so the two never disagree. Internal to conf/.

#include "base/log.h"
#include "conf/config.h"
#include "conf/values.h"

namespace tandem::conf {

inline constexpr Keyword<Mode> kModes[] = {{"tcp", Mode::Tcp}, {"http", Mode::Http}};

inline constexpr Keyword<Balance> kBalances[] = {{"roundrobin", Balance::RoundRobin},
                                                 {"leastconn", Balance::LeastConn},
                                                 {"random", Balance::Random},
                                                 {"source", Balance::Source},
                                                 {"hash", Balance::Hash}};

// `sticky` takes an argument after some of these; see pool_keys.cc.
inline constexpr Keyword<StickyKind> kStickyKinds[] = {{"none", StickyKind::None},
                                                       {"source", StickyKind::Source},
                                                       {"cookie", StickyKind::Cookie},
                                                       {"learn", StickyKind::Learn}};

inline constexpr Keyword<HealthKind> kHealthKinds[] = {
    {"tcp", HealthKind::Tcp}, {"http", HealthKind::Http}, {"none", HealthKind::None}};

inline constexpr Keyword<SpliceMode> kSpliceModes[] = {
    {"auto", SpliceMode::Auto}, {"on", SpliceMode::On}, {"off", SpliceMode::Off}};

inline constexpr Keyword<ForwardedMode> kForwardedModes[] = {{"x-forwarded", ForwardedMode::XForwarded},
                                                              {"rfc7239", ForwardedMode::Forwarded},
                                                              {"both", ForwardedMode::Both},
                                                              {"none", ForwardedMode::None}};

inline constexpr Keyword<base::LogLevel> kLogLevels[] = {{"debug", base::LogLevel::Debug},
                                                         {"info", base::LogLevel::Info},
                                                         {"notice", base::LogLevel::Notice},
                                                         {"warning", base::LogLevel::Warning},
                                                         {"error", base::LogLevel::Error}};

// The word for `value` in `table`, or "?" if absent.
template <typename E, size_t N>
const char* keyword_for(E value, const Keyword<E> (&table)[N]) {
  for (const auto& k : table)
    if (k.value == value) return k.word.data();
  return "?";
}

}  // namespace tandem::conf
