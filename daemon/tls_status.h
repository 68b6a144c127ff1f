#pragma once
// What the status socket shows of TLS termination (docs/status.md,
// `show tls`, `show certs`): handshake counters per TLS frontend, and the
// certificates each one serves. Pure functions over a runtime snapshot.
//
// Threading: main thread (the counters may be read from any thread).

#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/status/table.h"

namespace tandem {

// One row per frontend with tls_cert, in config order:
// frontend handshakes resumed failures
status::Table tls_frontends_table(const runtime::RuntimeSnapshot& snapshot);

// One row per certificate, frontends in config order, certificates in
// tls_cert order (the first is the default): frontend file names not_after
status::Table tls_certificates_table(const runtime::RuntimeSnapshot& snapshot);

}  // namespace tandem
