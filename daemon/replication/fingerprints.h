#pragma once
// What a node tells its peer about its configuration in HELLO (docs/sync.md
// "HELLO"): one SHA-256 per pool over what replicated entries depend on,
// so that a pool whose servers differ between the nodes is not replicated
// (a sticky entry naming `be1` must mean the same server on both), and one
// over all pools.
//
// A pool's digest covers its name, its sticky kind and cookie name, and its
// servers' names and addresses (sorted by name: the order in the file does
// not matter). Weights, timeouts, health checks and the like are left out:
// they may differ between the nodes without making an entry mean something
// else.
//
// Threading: none (pure functions).

#include <vector>

#include "conf/config.h"
#include "sync/frames.h"

namespace tandem::replication {

sync::Digest pool_digest(const conf::PoolConf& pool);

// One fingerprint per pool, in configuration order.
std::vector<sync::PoolFingerprint> pool_fingerprints(const conf::Config& config);

// Over the pools' fingerprints, in name order.
sync::Digest config_digest(const conf::Config& config);

}  // namespace tandem::replication
