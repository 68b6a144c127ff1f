#pragma once
// What the proxy workers need to serve, as one immutable object (STYLE habit
// 10): the config, every pool's servers and current candidates (with the
// Maglev table for hashing), every frontend's listeners. The main thread
// builds a new snapshot whenever something changes (reload, health, operator
// decisions) and posts it to each worker; a worker keeps using the snapshot it
// has until the next arrives, and connections keep what they hold alive.
// Listening sockets are not part of it (they travel beside it, see
// Worker::apply), so a connection that outlives a reload or a stop never
// keeps a listener open.

#include <cstdint>
#include <memory>
#include <vector>

#include "conf/config.h"
#include "daemon/runtime/server_state.h"

namespace tandem::tables {
class StickyTable;
class SourceLimits;
}
namespace tandem::http_proxy {
class Router;
class AccessLog;
}
namespace tandem::tls {
class FrontendTls;
}

namespace tandem::runtime {

struct PoolRuntime {
  const conf::PoolConf* conf = nullptr;
  // Every server of the pool, in config order.
  std::vector<std::shared_ptr<ServerState>> servers;
  // Indices into `servers` of the balancer's candidates: healthy, enabled,
  // weight > 0; the primaries, or the backups when no primary qualifies.
  std::vector<uint32_t> candidates;
  std::vector<uint32_t> weights;  // of each candidate, as when the snapshot was built
  bool using_backups = false;
  // balance = source|hash: slot -> index into `servers`. Shared between
  // snapshots while the candidate set is unchanged.
  std::shared_ptr<const std::vector<int32_t>> maglev;
  // sticky = source: the pool's table (kept across reloads).
  std::shared_ptr<tables::StickyTable> sticky;
};

struct FrontendRuntime {
  const conf::FrontendConf* conf = nullptr;
  std::shared_ptr<FrontendState> state;
  uint32_t pool = 0;  // index into RuntimeSnapshot::pools
  // mode http with `route` lines: chooses the pool per request; null = always `pool`.
  std::shared_ptr<const http_proxy::Router> router;
  // Per-source protections (limit_*); null = none. Kept across reloads.
  std::shared_ptr<tables::SourceLimits> limits;
  // mode http with `access_log`; null = none.
  std::shared_ptr<http_proxy::AccessLog> access_log;
  // `tls_cert`: the TLS it terminates; null = plain HTTP.
  std::shared_ptr<const tls::FrontendTls> tls;
};

struct RuntimeSnapshot {
  uint64_t generation = 0;
  std::shared_ptr<const conf::Config> config;
  std::vector<PoolRuntime> pools;
  std::vector<FrontendRuntime> frontends;
};

}  // namespace tandem::runtime
