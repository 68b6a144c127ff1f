#pragma once
// Opening a connection to a server, the same for the TCP relay and the HTTP
// session: a non-blocking socket with TCP_NODELAY, connect(2) started, and
// the operator-facing reason when it fails (reported to passive health).
//
// Threading: pure functions of their arguments; any thread.

#include <string>

#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "conf/config.h"

namespace tandem::proxy {

struct ConnectStart {
  base::UniqueFd fd;       // invalid when the attempt failed at once
  bool connected = false;  // connect(2) completed at once (loopback can)
  int error = 0;           // errno of an immediate failure
  const char* what = "";   // the call that failed: "socket" or "connect"
};

// Starts a connection to `to`. Otherwise in progress: wait for writability,
// then read SO_ERROR.
ConnectStart start_connect(const base::SocketAddress& to);

// "connect timeout after 500ms" (error ETIMEDOUT, what "timeout") or
// "<what>: <strerror>".
std::string connect_failure_reason(int error, const char* what, conf::Millis timeout_connect);

}  // namespace tandem::proxy
