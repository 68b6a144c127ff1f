#include "daemon/runtime/pool_builder.h"

#include "daemon/balance/hash.h"
#include "daemon/balance/maglev.h"

namespace tandem::runtime {

void select_candidates(const conf::PoolConf& conf, PoolRuntime& pool) {
  pool.candidates.clear();
  pool.weights.clear();
  for (int pass = 0; pass < 2 && pool.candidates.empty(); ++pass) {
    bool backups = pass == 1;
    for (uint32_t i = 0; i < pool.servers.size(); ++i) {
      const ServerState& s = *pool.servers[i];
      if (conf.servers[i].backup != backups) continue;
      if (!s.up() || s.admin() != AdminState::Enabled || s.weight() <= 0) continue;
      pool.candidates.push_back(i);
      pool.weights.push_back(static_cast<uint32_t>(s.weight()));
    }
    pool.using_backups = backups && !pool.candidates.empty();
  }
}

PoolRuntime build_pool_runtime(const conf::PoolConf& conf, const StateRegistry& registry,
                               std::shared_ptr<tables::StickyTable> sticky, const PoolRuntime* previous) {
  PoolRuntime pool;
  pool.conf = &conf;
  pool.sticky = std::move(sticky);
  pool.servers.reserve(conf.servers.size());
  for (const conf::ServerConf& s : conf.servers) pool.servers.push_back(registry.server(conf.name, s.name));
  select_candidates(conf, pool);

  bool hashing = conf.balance == conf::Balance::Source || conf.balance == conf::Balance::Hash;
  if (!hashing) return pool;
  bool same_set = previous != nullptr && previous->maglev && previous->candidates == pool.candidates &&
                  previous->weights == pool.weights && previous->servers.size() == pool.servers.size();
  if (same_set) {
    for (size_t i = 0; i < pool.servers.size() && same_set; ++i)
      same_set = previous->servers[i]->name() == pool.servers[i]->name();
  }
  if (same_set) {
    pool.maglev = previous->maglev;
    return pool;
  }
  std::vector<balance::MaglevBackend> backends;
  backends.reserve(pool.candidates.size());
  for (size_t c = 0; c < pool.candidates.size(); ++c)
    backends.push_back({balance::hash_bytes(pool.servers[pool.candidates[c]]->name()), pool.weights[c]});
  auto table = balance::build_maglev_table(backends);
  // The table indexes candidates; store server indices instead.
  for (int32_t& slot : table)
    if (slot >= 0) slot = static_cast<int32_t>(pool.candidates[static_cast<size_t>(slot)]);
  pool.maglev = std::make_shared<const std::vector<int32_t>>(std::move(table));
  return pool;
}

}  // namespace tandem::runtime
