#include "daemon/listener_registry.h"

namespace tandem {

bool ListenerRegistry::listens_on_port(const base::SocketAddress& address) const {
  for (const auto& [key, sockets] : current_) {
    if (sockets.empty()) continue;
    const base::SocketAddress& a = sockets.front()->address();
    if (a.family() == address.family() && a.port() == address.port()) return true;
  }
  return false;
}

base::Result<ListenerMap> ListenerRegistry::prepare(const conf::Config& config) const {
  ListenerMap next;
  for (const conf::FrontendConf& fe : config.frontends) {
    for (const base::SocketAddress& address : fe.binds) {
      std::string key = address.to_string();
      if (next.count(key) != 0) continue;
      auto existing = current_.find(key);
      if (existing != current_.end()) {
        next.emplace(key, existing->second);
        continue;
      }
      // The probe cannot tell our own listeners from another process's: skip
      // it when we already listen on this port (a reload moving a bind
      // between an address and the wildcard of the same port).
      if (!listens_on_port(address)) {
        base::Status unused = proxy::ListenSocket::check_unused(address);
        if (!unused) return base::make_error("frontend " + fe.name + ": " + unused.error().message);
      }
      WorkerSockets sockets;
      for (unsigned w = 0; w < workers_; ++w) {
        auto socket = proxy::ListenSocket::open(address, fe.backlog);
        if (!socket) return base::make_error("frontend " + fe.name + ": " + socket.error().message);
        sockets.push_back(std::move(*socket));
      }
      next.emplace(std::move(key), std::move(sockets));
    }
  }
  return next;
}

}  // namespace tandem
