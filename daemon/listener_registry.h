#pragma once
// The listening sockets of every frontend bind, one per worker (SO_REUSEPORT).
// A reload reuses the sockets of binds that stay, so connections waiting in
// their accept queues are never dropped, and opens the new ones before
// anything is switched: a bind that fails makes the reload fail as a whole.
//
// Threading: main thread only.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "conf/config.h"
#include "daemon/proxy/listen_socket.h"

namespace tandem {

using WorkerSockets = std::vector<std::shared_ptr<proxy::ListenSocket>>;  // [worker]
using ListenerMap = std::map<std::string, WorkerSockets>;                 // by "address:port"

class ListenerRegistry {
 public:
  explicit ListenerRegistry(unsigned workers) : workers_(workers) {}

  // The sockets `config` needs: existing ones reused, missing ones opened.
  // Nothing changes until commit(); on error the new sockets just close.
  base::Result<ListenerMap> prepare(const conf::Config& config) const;

  // Makes `listeners` the current set; sockets no longer in it close once the
  // workers stop using them.
  void commit(ListenerMap listeners) { current_ = std::move(listeners); }

  // Drops every socket (shutdown: stop accepting).
  void clear() { current_.clear(); }

  const ListenerMap& current() const { return current_; }

  // Pauses (or resumes) new connections on every listener bound to one of
  // `ipv4` (host byte order): a socket filter makes the kernel drop their
  // SYNs silently, so clients retransmit instead of being refused (see
  // daemon/handover.h). Handshakes under way and established connections
  // are not affected.
  void pause_syns(const std::vector<uint32_t>& ipv4, bool pause);

 private:
  bool listens_on_port(const base::SocketAddress& address) const;

  unsigned workers_;
  ListenerMap current_;
};

}  // namespace tandem
