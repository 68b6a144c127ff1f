#pragma once
// The sync service's options from the [sync] section (docs/config.md):
// what tandemd and the syncbench tool both build their service from.
//
// Threading: none (a pure function).

#include "conf/config.h"
#include "sync/service.h"

namespace tandem::replication {

sync::ServiceOptions service_options(const conf::SyncConf& sync);

}  // namespace tandem::replication
