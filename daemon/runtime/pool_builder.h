#pragma once
// Builds a pool's runtime view (candidates, Maglev table) from its config and
// the live server states. Main thread; called for every new snapshot.

#include <memory>

#include "conf/config.h"
#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/runtime/state_registry.h"

namespace tandem::runtime {

// `previous` is the same pool in the last snapshot, or nullptr: its Maglev
// table is reused when candidates and weights did not change, so a snapshot
// rebuilt for an unrelated reason costs no table build.
PoolRuntime build_pool_runtime(const conf::PoolConf& conf, const StateRegistry& registry,
                               std::shared_ptr<tables::StickyTable> sticky, const PoolRuntime* previous);

// Candidates are the servers that are up, enabled (not draining, not
// disabled) and have weight > 0: the primaries, or the backups when no
// primary qualifies. Exposed for tests.
void select_candidates(const conf::PoolConf& conf, PoolRuntime& pool);

}  // namespace tandem::runtime
