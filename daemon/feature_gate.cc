#include "daemon/feature_gate.h"

namespace tandem {

std::vector<std::string> features_not_available(const conf::Config& config) {
  std::vector<std::string> problems;
  auto at = [&](const conf::SourceLocation& where, const std::string& section, const std::string& key,
                const std::string& message) {
    conf::ConfigError e{where.file, where.line, section, key, message};
    problems.push_back(e.to_string());
  };
  for (const conf::PoolConf& pool : config.pools)
    for (const conf::ServerConf& s : pool.servers)
      if (s.tls)
        at(s.where, "pool:" + pool.name, "server",
           "'tls' to servers is not available in this version yet (server '" + s.name + "')");
  return problems;
}

}  // namespace tandem
