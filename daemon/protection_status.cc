#include "daemon/protection_status.h"

#include "daemon/http/access_log.h"
#include "daemon/tables/source_limits.h"

namespace tandem {

status::Table limits_table(const runtime::RuntimeSnapshot& snapshot) {
  status::Table t({"frontend", "sources", "refused_connections", "refused_requests", "evicted_busy"});
  for (const auto& fe : snapshot.frontends) {
    if (!fe.limits) continue;
    t.add_row({fe.conf->name, static_cast<uint64_t>(fe.limits->size()), fe.limits->refused_connections(),
               fe.limits->refused_requests(), fe.limits->evicted_busy()});
  }
  return t;
}

status::Table access_logs_table(const runtime::RuntimeSnapshot& snapshot) {
  status::Table t({"frontend", "target", "dropped"});
  for (const auto& fe : snapshot.frontends) {
    if (!fe.access_log) continue;
    t.add_row({fe.conf->name, fe.access_log->target(), fe.access_log->dropped()});
  }
  return t;
}

}  // namespace tandem
