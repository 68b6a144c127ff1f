#include "daemon/runtime/state_registry.h"

namespace tandem::runtime {

std::string StateRegistry::key(std::string_view pool, std::string_view name) {
  std::string k(pool);
  k.push_back('/');
  k.append(name);
  return k;
}

void StateRegistry::reconcile(const conf::Config& config) {
  std::map<std::string, ServerSlot, std::less<>> servers;
  for (const conf::PoolConf& pool : config.pools) {
    for (const conf::ServerConf& s : pool.servers) {
      std::string k = key(pool.name, s.name);
      auto old = servers_.find(k);
      if (old != servers_.end() && old->second.state->address() == s.address) {
        ServerSlot slot = old->second;
        if (slot.config_weight != s.weight) slot.state->set_weight(s.weight);
        slot.config_weight = s.weight;
        servers.emplace(std::move(k), std::move(slot));
        continue;
      }
      auto state = std::make_shared<ServerState>(pool.name, s.name, s.address, s.weight, workers_);
      servers.emplace(std::move(k), ServerSlot{std::move(state), s.weight});
    }
  }
  servers_.swap(servers);

  std::map<std::string, std::shared_ptr<FrontendState>, std::less<>> frontends;
  for (const conf::FrontendConf& fe : config.frontends) {
    auto old = frontends_.find(fe.name);
    frontends.emplace(fe.name, old != frontends_.end() ? old->second
                                                       : std::make_shared<FrontendState>(fe.name, workers_));
  }
  frontends_.swap(frontends);
}

std::shared_ptr<ServerState> StateRegistry::server(std::string_view pool, std::string_view name) const {
  auto it = servers_.find(key(pool, name));
  return it == servers_.end() ? nullptr : it->second.state;
}

std::shared_ptr<FrontendState> StateRegistry::frontend(std::string_view name) const {
  auto it = frontends_.find(name);
  return it == frontends_.end() ? nullptr : it->second;
}

}  // namespace tandem::runtime
