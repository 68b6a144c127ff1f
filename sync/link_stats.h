#pragma once
// The counters of the sync link (sync/link.h), shown by `show sync`.
//
// Threading: the Link's loop thread writes them; read them there too.

#include <cstdint>
#include <string>

#include "base/clock.h"

namespace tandem::sync {

struct LinkStats {
  uint64_t connects = 0;            // connections that became up
  uint64_t handshake_failures = 0;  // refused peers (wrong key, garbage, timeouts, over the pending bound)
  uint64_t protocol_errors = 0;     // frames that did not decode (link closed)
  uint64_t frames_in = 0;           // frames received and delivered
  uint64_t frames_out = 0;          // frames accepted by send()
  uint64_t bytes_in = 0;            // application bytes (frames) received
  uint64_t bytes_out = 0;           // application bytes handed to TLS and written
  std::string last_error;           // the last reason the link went down or a handshake failed
  std::string peer_address;         // the remote address of the up connection ("" when down)
  base::MonoTime up_since{};        // when the current connection came up
};

}  // namespace tandem::sync
