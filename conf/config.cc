// The public entry points of conf/ (config.h): the loaders, lookups and
// to_string() functions. The work happens in loader.cc and the key tables.

#include "conf/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

#include "conf/keywords.h"
#include "conf/loader.h"

namespace tandem::conf {
namespace {

// Config files are small; anything this big is a mistake (a log, a binary).
constexpr size_t kMaxFileBytes = 16 << 20;

LoadResult file_error(const std::string& path, const std::string& message) {
  return LoadResult{std::nullopt, {ConfigError{path, 0, "", "", message}}};
}

}  // namespace

const char* to_string(Mode m) { return keyword_for(m, kModes); }
const char* to_string(Balance b) { return keyword_for(b, kBalances); }
const char* to_string(StickyKind s) { return keyword_for(s, kStickyKinds); }
const char* to_string(HealthKind h) { return keyword_for(h, kHealthKinds); }
const char* to_string(SpliceMode s) { return keyword_for(s, kSpliceModes); }
const char* to_string(ForwardedMode m) { return keyword_for(m, kForwardedModes); }

const ServerConf* PoolConf::find_server(std::string_view server_name) const {
  for (const ServerConf& s : servers)
    if (s.name == server_name) return &s;
  return nullptr;
}

const PoolConf* Config::find_pool(std::string_view pool_name) const {
  for (const PoolConf& p : pools)
    if (p.name == pool_name) return &p;
  return nullptr;
}

const FrontendConf* Config::find_frontend(std::string_view frontend_name) const {
  for (const FrontendConf& f : frontends)
    if (f.name == frontend_name) return &f;
  return nullptr;
}

std::string ConfigError::to_string() const {
  std::string out = file + ":" + std::to_string(line) + ": ";
  if (!section.empty()) out += "[" + section + "] ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

LoadResult load_config_string(std::string_view text, const std::string& name, const LoadOptions& options) {
  return Loader(name, options).load(text);
}

LoadResult load_config_string(std::string_view text, const std::string& name) {
  return load_config_string(text, name, LoadOptions{});
}

LoadResult load_config_file(const std::string& path, const LoadOptions& options) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
  // Read in bounded chunks so a huge or endless file (a device, a FIFO)
  // cannot exhaust memory.
  std::string text;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(path, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxFileBytes)
      return file_error(path, "file is too large for a config file (over " + std::to_string(kMaxFileBytes >> 20) +
                                  " MiB)");
    text.append(chunk, static_cast<size_t>(n));
  }
  return load_config_string(text, path, options);
}

LoadResult load_config_file(const std::string& path) { return load_config_file(path, LoadOptions{}); }

}  // namespace tandem::conf
