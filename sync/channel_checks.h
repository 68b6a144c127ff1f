#pragma once
// The comparisons a replication channel makes between the two nodes (pure
// functions, used by sync/channel.cc): which pools' fingerprints disagree,
// which pool a record belongs to, and which VRRP instances both nodes claim
// as master (split brain).
//
// Threading: none (pure functions).

#include <string>
#include <vector>

#include "sync/frames.h"
#include "sync/records.h"

namespace tandem::sync {

// Pools present on one side only, or on both with different digests; sorted,
// without duplicates.
std::vector<std::string> mismatched_pools(const std::vector<PoolFingerprint>& ours,
                                          const std::vector<PoolFingerprint>& theirs);

// The pool a record's meaning depends on, or nullptr: sticky_source,
// sticky_learned and admin always name one; a connection names one once
// routed (an empty pool is none). Other tables are pool-free. The pointer
// is into `record` and lives as long as it.
const std::string* record_pool(const Record& record);

// True if `pool` is in the sorted list `mismatched`.
bool is_mismatched(const std::vector<std::string>& mismatched, const std::string& pool);

// Instances that are Master in both lists; sorted, without duplicates.
std::vector<std::string> both_master(const std::vector<InstanceRole>& ours,
                                     const std::vector<InstanceRole>& theirs);

// "a, b, c", for logs.
std::string join_names(const std::vector<std::string>& names);

}  // namespace tandem::sync
