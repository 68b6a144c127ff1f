// libFuzzer target for the config loader (conf/): any bytes must give either
// a Config or a list of errors, never a crash, a hang, or an error without
// a message. Host names are not resolved (LoadOptions::resolve_hosts =
// false), so no input can make the fuzzer wait on DNS.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conf/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tandem::conf::LoadResult r =
      tandem::conf::load_config_string(text, "fuzz.ini", tandem::conf::LoadOptions{.resolve_hosts = false});
  // The contract of LoadResult: a config and no errors, or errors and no config.
  if (r.ok() != r.errors.empty()) std::abort();
  for (const auto& e : r.errors) {
    if (e.message.empty() || e.line < 0) std::abort();
    if (e.to_string().find(e.message) == std::string::npos) std::abort();
  }
  if (r.ok()) {
    // A valid config always has its frontends wired to pools that exist.
    for (const auto& f : r.config->frontends)
      if (f.binds.empty() || r.config->find_pool(f.pool) == nullptr) std::abort();
    for (const auto& p : r.config->pools)
      if (p.servers.empty()) std::abort();
  }
  return 0;
}
