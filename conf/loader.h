#pragma once
// One load of one config text: feeds it through inih (behind a LineReader),
// dispatches each section header and key through the section and key
// tables, runs the cross-checks, and builds the Config or the error list.
// Internal to conf/; the public entry points are in config.h.

#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "conf/config.h"
#include "conf/error_list.h"
#include "conf/key_rules.h"
#include "conf/line_reader.h"
#include "conf/parsed_config.h"

namespace tandem::conf {

class Loader final : public LineSink {
 public:
  // `file` names the text in errors. Single use: call load() once.
  Loader(std::string file, const LoadOptions& options) : options_(options), errors_(std::move(file)) {}

  LoadResult load(std::string_view text);

  // LineSink (called from the LineReader during load()).
  void on_section_header(int line, std::string_view name) override;
  void on_bad_header(int line, std::string message) override;
  void on_bad_line(int line, std::string message) override;
  bool wants_more() const override { return !errors_.full(); }

 private:
  // The section keys currently go to; monostate: none (before the first
  // header, or after one that was rejected).
  using Target = std::variant<std::monostate, Parsed<GlobalConf>*, Parsed<FrontendConf>*, Parsed<PoolConf>*,
                              Parsed<VrrpConf>*, Parsed<SyncConf>*>;
  struct SectionKind;
  static std::span<const SectionKind> section_kinds();

  static int on_ini_pair(void* self, const char* section, const char* key, const char* value);
  void on_key(int line, std::string_view key, std::string_view value);
  template <typename T>
  void apply_key(Parsed<T>& section, std::span<const KeyRule<T>> rules, int line, std::string_view key,
                 std::string_view value);
  std::string unknown_key_message(std::string_view key, std::span<const std::string_view> known) const;

  Target open_global(std::string_view name, int line, bool duplicate);
  Target open_frontend(std::string_view name, int line, bool duplicate);
  Target open_pool(std::string_view name, int line, bool duplicate);
  Target open_vrrp(std::string_view name, int line, bool duplicate);
  Target open_sync(std::string_view name, int line, bool duplicate);
  // Checks a header; returns the kind's entry and the NAME part, or nullptr
  // after reporting what is wrong.
  const SectionKind* check_header(int line, std::string_view header, std::string_view* name);

  // [global] node as the Config will have it (the host name by default).
  std::string node_name() const;
  Config build();

  const LoadOptions options_;
  ErrorList errors_;
  ParsedConfig parsed_;
  // [sync] sections as parsed (at most one is live; a repeat is reported and
  // dropped). Kept here as ParsedConfig has no place for them yet.
  std::deque<Parsed<SyncConf>> sync_;
  const LineReader* reader_ = nullptr;
  Target target_;
  bool in_section_ = false;             // a header was seen (valid or not)
  std::map<std::string, int> opened_;  // label -> line of its first header
};

}  // namespace tandem::conf
