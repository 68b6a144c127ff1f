#pragma once
// The SNMP-style read commands of the status socket, answered from a MibView
// the daemon fills from live state on each request:
//
//   get OID [OID...]    like snmpget -On      (one line per OID)
//   next OID [OID...]   like snmpgetnext -On  (one line per OID)
//   walk [OID]          like snmpwalk -On     (from the walk root if no OID)
//
// Output lines are net-snmp's (see mib.h). With --json the answer is one
// line: an array of {"oid":".1.3…","type":"STRING","value":"lb-a"}, where
// value is a number for the numeric types (Timeticks in hundredths) and a
// string otherwise; a missing object is {"oid":…,"error":"noSuchObject"},
// the end of the MIB {"oid":…,"error":"endOfMibView"}.
// A malformed OID is answered 400; a missing object is a normal answer
// (OK + net-snmp's "No Such Object" line), as snmpget treats it.
//
// Threading: the handlers, and so the provider, run on the main loop thread.

#include <functional>

#include "base/result.h"
#include "daemon/status/command_registry.h"
#include "daemon/status/mib.h"
#include "daemon/status/oid.h"

namespace tandem::status {

// Fills `view` with every object the daemon exposes (Tandem's tree under
// oid_base, the VRRP MIB, ...). Called once per get/next/walk request.
using MibProvider = std::function<void(MibView& view)>;
// Where "walk" without an OID starts (the configured oid_base). Asked per
// request, so a reload that changes oid_base takes effect at once.
using WalkRoot = std::function<Oid()>;

// Registers get, next and walk in `registry`. Errors only if one of them
// is already registered.
base::Status register_snmp_commands(CommandRegistry& registry, MibProvider provider, WalkRoot walk_root);
// The same with a fixed walk root.
base::Status register_snmp_commands(CommandRegistry& registry, MibProvider provider, Oid walk_root);

}  // namespace tandem::status
