#pragma once
// Tandem's SNMP-style tree under [global] oid_base (docs/status.md, "The OID
// tree"), filled from live state for each get/next/walk.
//
// Threading: main thread.

#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/status/mib.h"
#include "daemon/status/oid.h"

namespace tandem {

class Daemon;

// The configured base OID (1.3.6.1.4.1.32473.7 unless oid_base says otherwise).
status::Oid tandem_oid_base(const Daemon& daemon);

// Adds every object of Tandem's tree to `view`.
void fill_tandem_mib(const Daemon& daemon, status::MibView& view);

// Parts of the tree that depend on the snapshot alone (fill_tandem_mib uses
// them; tests call them directly):
// The frontend table B.2.1.<column>.<frontend>; columns 11-17 (HTTP
// requests, responses 1xx..5xx, own answers) only for http frontends.
void fill_frontend_table(const runtime::RuntimeSnapshot& snapshot, const status::Oid& base, status::MibView& view);
// Columns 18-23 of the server table B.4.1.<column>.<pool>.<server> (HTTP
// requests, responses 1xx..5xx), for the servers of the pools http
// frontends use.
void fill_http_server_columns(const runtime::RuntimeSnapshot& snapshot, const status::Oid& base,
                              status::MibView& view);

}  // namespace tandem
