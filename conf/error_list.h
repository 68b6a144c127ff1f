#pragma once
// Collects the ConfigErrors of one load, in the order they are found, and
// hands them out sorted by line. Internal to conf/.

#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"

namespace tandem::conf {

class ErrorList {
 public:
  // Past this many errors the input is probably not a config file at all;
  // the loader stops reading and says so.
  static constexpr size_t kMaxErrors = 100;

  explicit ErrorList(std::string file) : file_(std::move(file)) {}

  // Records one error; `section` is the section's name without brackets
  // ("pool:app"), `key` the key as written; either may be empty.
  void add(int line, std::string_view section, std::string_view key, std::string message);

  bool full() const { return errors_.size() >= kMaxErrors; }
  bool empty() const { return errors_.empty(); }
  bool has_error_at(int line) const;
  const std::string& file() const { return file_; }

  // All errors, stably sorted by line; a last line says when the list was
  // cut at kMaxErrors. Leaves the list empty.
  std::vector<ConfigError> take();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  size_t dropped_ = 0;
};

}  // namespace tandem::conf
