#pragma once
// The status-socket face of the VRRP module: `show vrrp`, `failover`, and
// the standard VRRPv3-MIB (RFC 6527, 1.3.6.1.2.1.207) in the SNMP-style
// tree. Documented in docs/status.md and docs/vrrp.md.
//
// Threading: main thread (the status socket's loop).

#include "daemon/status/command_registry.h"
#include "daemon/status/mib.h"
#include "daemon/status/table.h"

namespace tandem {

class Daemon;

// Registers `show vrrp` and `failover [INSTANCE] [--release]`.
void register_vrrp_commands(Daemon& daemon, status::CommandRegistry& registry);

// One row per VRRP instance (instance, state, priority, master, vips), for
// `show status`; no rows without a [vrrp] section.
status::Table vrrp_summary_table(const Daemon& daemon);

// Adds the VRRPv3-MIB objects of every instance to `view` (nothing when
// the config has no [vrrp] section).
void fill_vrrp_mib(const Daemon& daemon, status::MibView& view);

}  // namespace tandem
