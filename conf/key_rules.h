#pragma once
// The table-driven core of the loader: for each section kind a table of the
// keys it accepts, each with the parser that checks the value and stores it.
// Adding a key is one KeyRule line in global_keys.cc, frontend_keys.cc,
// pool_keys.cc, vrrp_keys.cc or sync_keys.cc (and a line in docs/config.md). Internal to conf/.

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "base/result.h"
#include "conf/config.h"
#include "conf/values.h"

namespace tandem::conf {

// What a value parser may need besides the value itself.
struct KeyContext {
  const LoadOptions& options;
  SourceLocation where;  // the line of this key
};

template <typename T>
struct KeyRule {
  std::string_view key;
  bool repeatable;  // a list key: each line adds one entry
  // Checks `value` (trimmed, never empty) and stores it into `target`. On
  // error leaves `target` as it was and says what is wrong with the value.
  base::Status (*apply)(T& target, std::string_view value, const KeyContext& ctx);
};

inline constexpr bool kSingle = false;
inline constexpr bool kList = true;

std::span<const KeyRule<GlobalConf>> global_keys();
std::span<const KeyRule<FrontendConf>> frontend_keys();
std::span<const KeyRule<PoolConf>> pool_keys();
std::span<const KeyRule<VrrpConf>> vrrp_keys();
std::span<const KeyRule<SyncConf>> sync_keys();

// Generic value parsers for the tables: parse with the given bounds and store
// into the member `Member` of the section struct.

template <typename T, auto Member, int64_t Min, int64_t Max, bool Suffixes = false>
base::Status set_count(T& target, std::string_view value, const KeyContext&) {
  auto n = parse_count(value, Min, Max, Suffixes);
  if (!n) return n.error();
  target.*Member = static_cast<std::remove_cvref_t<decltype(target.*Member)>>(*n);
  return {};
}

template <typename T, auto Member, int64_t MinMs, int64_t MaxMs>
base::Status set_duration(T& target, std::string_view value, const KeyContext&) {
  auto d = parse_duration_in(value, Millis(MinMs), Millis(MaxMs));
  if (!d) return d.error();
  target.*Member = *d;
  return {};
}

template <typename T, auto Member, uint64_t Min, uint64_t Max>
base::Status set_size(T& target, std::string_view value, const KeyContext&) {
  auto n = parse_size(value, Min, Max);
  if (!n) return n.error();
  target.*Member = static_cast<std::remove_cvref_t<decltype(target.*Member)>>(*n);
  return {};
}

template <typename T, auto Member, int64_t Max>
base::Status set_rate(T& target, std::string_view value, const KeyContext&) {
  auto r = parse_rate(value, Max);
  if (!r) return r.error();
  target.*Member = *r;
  return {};
}

template <typename T, auto Member>
base::Status set_bool(T& target, std::string_view value, const KeyContext&) {
  auto b = parse_bool(value);
  if (!b) return b.error();
  target.*Member = *b;
  return {};
}

template <typename T, auto Member, const auto& Table>
base::Status set_keyword(T& target, std::string_view value, const KeyContext&) {
  auto k = parse_keyword(value, Table);
  if (!k) return k.error();
  target.*Member = *k;
  return {};
}

// Durations in milliseconds, for the bounds above.
inline constexpr int64_t kMs = 1;
inline constexpr int64_t kSecond = 1000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;

// Sizes in bytes, for the bounds above.
inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;
inline constexpr uint64_t kTiB = 1024 * kGiB;

}  // namespace tandem::conf
