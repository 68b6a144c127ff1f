#pragma once
// The status-socket face of the sync channel: `show sync` (text and --json)
// and the sync scalars of the SNMP-style tree (B.6, docs/status.md).
//
// Threading: main thread (the status socket's loop).

#include "daemon/status/command_registry.h"
#include "daemon/status/mib.h"

namespace tandem {

class Daemon;

// Registers `show sync` and `show peer conns`.
void register_sync_commands(Daemon& daemon, status::CommandRegistry& registry);

// Adds B.6.* (nothing without a [sync] section).
void fill_sync_mib(const Daemon& daemon, const status::Oid& base, status::MibView& view);

}  // namespace tandem
