#include "daemon/proxy/server_picker.h"

#include <algorithm>

#include "daemon/balance/hash.h"
#include "daemon/balance/maglev.h"
#include "daemon/tables/sticky_table.h"

namespace tandem::proxy {
namespace {

bool excluded(std::span<const uint32_t> exclude, uint32_t server) {
  return std::find(exclude.begin(), exclude.end(), server) != exclude.end();
}

// Below its maxconn (if it has one). Sums the per-worker counters, so only
// paid for servers that have a limit.
bool has_room(const conf::ServerConf& conf, const runtime::ServerState& s) {
  return conf.maxconn <= 0 || s.traffic().active() < conf.maxconn;
}

bool can_take(const runtime::PoolRuntime& pool, uint32_t server, std::span<const uint32_t> exclude) {
  return !excluded(exclude, server) && has_room(pool.conf->servers[server], *pool.servers[server]);
}

}  // namespace

ServerPicker::ServerPicker(uint64_t seed) : p2c_(seed) {}

void ServerPicker::reset(const runtime::RuntimeSnapshot& snapshot) {
  pools_.clear();
  pools_.resize(snapshot.pools.size());
  for (size_t i = 0; i < snapshot.pools.size(); ++i) {
    size_t n = snapshot.pools[i].candidates.size();
    pools_[i].wrr.reset(n);
    pools_[i].weights.resize(n);
    pools_[i].loads.resize(n);
  }
}

int ServerPicker::pick(const runtime::RuntimeSnapshot& snapshot, uint32_t pool_index,
                       const base::SocketAddress& client, std::span<const uint32_t> exclude, const RequestKey& key) {
  const runtime::PoolRuntime& pool = snapshot.pools[pool_index];
  // A session may still pick with the snapshot it started with (a retry
  // after the worker moved on): size the per-pool state to what is asked.
  if (pool_index >= pools_.size()) pools_.resize(pool_index + 1);
  PoolState& state = pools_[pool_index];
  state.weights.resize(pool.candidates.size());
  state.loads.resize(pool.candidates.size());
  if (key.sticky_server >= 0 && can_stick(pool, static_cast<uint32_t>(key.sticky_server), exclude))
    return key.sticky_server;
  bool by_source = pool.sticky && pool.conf->sticky == conf::StickyKind::Source;
  if (by_source) {
    int stuck = pick_sticky(pool, client, exclude);
    if (stuck >= 0) return stuck;
  }
  int picked = pick_balanced(pool, state, client, exclude, key.hash_input);
  if (picked >= 0 && by_source) pool.sticky->store(client.address_bytes(), pool.servers[picked]->name());
  return picked;
}

bool ServerPicker::can_stick(const runtime::PoolRuntime& pool, uint32_t index, std::span<const uint32_t> exclude) {
  if (index >= pool.servers.size()) return false;
  const runtime::ServerState& s = *pool.servers[index];
  if (!s.up() || s.admin() == runtime::AdminState::Disabled || s.weight() <= 0) return false;
  return can_take(pool, index, exclude);
}

// A client stays with its server while that server is up and not disabled —
// also while it drains, as HAProxy's persistence does.
int ServerPicker::pick_sticky(const runtime::PoolRuntime& pool, const base::SocketAddress& client,
                              std::span<const uint32_t> exclude) {
  if (!pool.sticky->lookup_into(client.address_bytes(), &sticky_scratch_)) return -1;
  for (uint32_t i = 0; i < pool.servers.size(); ++i) {
    if (pool.servers[i]->name() == sticky_scratch_) return can_stick(pool, i, exclude) ? static_cast<int>(i) : -1;
  }
  return -1;
}

int ServerPicker::pick_balanced(const runtime::PoolRuntime& pool, PoolState& state,
                                const base::SocketAddress& client, std::span<const uint32_t> exclude,
                                std::string_view hash_input) {
  if (pool.candidates.empty()) return -1;
  switch (pool.conf->balance) {
    case conf::Balance::RoundRobin: {
      for (size_t c = 0; c < pool.candidates.size(); ++c)
        state.weights[c] = can_take(pool, pool.candidates[c], exclude) ? pool.weights[c] : 0;
      int c = state.wrr.pick(state.weights);
      return c < 0 ? -1 : static_cast<int>(pool.candidates[static_cast<size_t>(c)]);
    }
    case conf::Balance::LeastConn:
      return pick_least_loaded(pool, state, exclude, false);
    case conf::Balance::Random:
      return pick_least_loaded(pool, state, exclude, true);
    case conf::Balance::Source:
    case conf::Balance::Hash:
      // Without an L7 key (mode tcp, or the field is absent) `hash`
      // hashes the client address too.
      return pick_hashed(pool, state,
                         balance::hash_bytes(hash_input.empty() ? client.address_bytes() : hash_input), exclude);
  }
  return -1;
}

// Maglev on the key's hash. If the chosen server cannot take the
// connection (tried already, at maxconn) the key is re-hashed a few times —
// still deterministic, so both nodes agree — before falling back to the
// least loaded server.
int ServerPicker::pick_hashed(const runtime::PoolRuntime& pool, PoolState& state, uint64_t h,
                              std::span<const uint32_t> exclude) {
  if (!pool.maglev) return pick_least_loaded(pool, state, exclude, false);
  for (int attempt = 0; attempt < 4; ++attempt) {
    int32_t server = balance::maglev_lookup(*pool.maglev, h);
    if (server < 0) return -1;
    if (can_take(pool, static_cast<uint32_t>(server), exclude)) return server;
    h = balance::mix64(h + 0x9e3779b97f4a7c15ULL);
  }
  return pick_least_loaded(pool, state, exclude, false);
}

int ServerPicker::pick_least_loaded(const runtime::PoolRuntime& pool, PoolState& state,
                                    std::span<const uint32_t> exclude, bool two_choices) {
  for (size_t c = 0; c < pool.candidates.size(); ++c) {
    uint32_t server = pool.candidates[c];
    int64_t active = pool.servers[server]->traffic().active();
    state.loads[c] = balance::ServerLoad{static_cast<uint32_t>(std::max<int64_t>(active, 0)), pool.weights[c],
                                         can_take(pool, server, exclude)};
  }
  int c = two_choices ? p2c_.pick(state.loads) : state.least_conn.pick(state.loads);
  return c < 0 ? -1 : static_cast<int>(pool.candidates[static_cast<size_t>(c)]);
}

}  // namespace tandem::proxy
