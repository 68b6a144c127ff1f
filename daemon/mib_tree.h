#pragma once
// Tandem's SNMP-style tree under [global] oid_base (docs/status.md, "The OID
// tree"), filled from live state for each get/next/walk.
//
// Threading: main thread.

#include "daemon/status/mib.h"
#include "daemon/status/oid.h"

namespace tandem {

class Daemon;

// The configured base OID (1.3.6.1.4.1.32473.7 unless oid_base says otherwise).
status::Oid tandem_oid_base(const Daemon& daemon);

// Adds every object of Tandem's tree to `view`.
void fill_tandem_mib(const Daemon& daemon, status::MibView& view);

}  // namespace tandem
