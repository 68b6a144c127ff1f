#pragma once
// tandemctl's command words -> the one request line it sends. Pure, so the
// cheap local checks are unit-tested here; ctl/main.cc does the rest (options,
// I/O, exit codes).
//
//   status                        -> "show status"
//   show WHAT [ARGS...]           -> passed through ("show pools", "show sync", ...)
//   get OID... | next OID...      -> passed through; each OID checked
//   walk [OID]                    -> passed through; the OID checked
//   server disable|enable|drain POOL/SERVER
//   server weight POOL/SERVER N   -> N must be a non-negative integer
//   reload | failover [INSTANCE] [--release] | help [COMMAND...]
//   raw LINE...                   -> the words joined by spaces, sent as is
//   anything else                 -> passed through (the daemon judges)
// A "--json" word anywhere (except after raw) is removed and sent as a
// trailing "--json". Words with white space or control characters are
// refused: the protocol is one line of space-separated words.
//
// Threading: pure functions; any thread.

#include <string>
#include <vector>

#include "base/result.h"

namespace tandem::status {

// Builds the request line for `words` (the command and its arguments, after
// tandemctl's own options); `json` is tandemctl's --json option. Errors are
// usage messages for the operator ("usage: tandemctl server weight
// POOL/SERVER N").
base::Result<std::string> build_ctl_request(std::vector<std::string> words, bool json);

}  // namespace tandem::status
