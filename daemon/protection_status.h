#pragma once
// What the status socket shows of a frontend's protections and access log
// (docs/status.md, `show limits`, `show logs`): the per-source limit
// tables (sources tracked, connections and requests refused) and the
// access logs (target, lines dropped). Pure functions over a runtime
// snapshot.
//
// Threading: main thread (the counters may be read from any thread).

#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/status/table.h"

namespace tandem {

// One row per frontend with a limit_* key, in config order:
// frontend sources refused_connections refused_requests evicted_busy
status::Table limits_table(const runtime::RuntimeSnapshot& snapshot);

// One row per frontend with an access_log, in config order:
// frontend target dropped
status::Table access_logs_table(const runtime::RuntimeSnapshot& snapshot);

}  // namespace tandem
