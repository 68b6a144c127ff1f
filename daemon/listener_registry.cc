#include "daemon/listener_registry.h"

#include <linux/filter.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"

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

void ListenerRegistry::pause_syns(const std::vector<uint32_t>& ipv4, bool pause) {
  // On a listener the kernel runs the filter on each segment it receives,
  // with the data starting at the TCP header. Drop a segment with SYN and
  // without ACK (a new connection); let the rest through, so handshakes
  // already under way complete and are drained like other connections.
  static sock_filter drop_syns[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),           // TCP flags
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 2, 0),  // ACK: keep
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1),  // SYN: drop
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
  };
  static const sock_fprog program = {sizeof drop_syns / sizeof drop_syns[0], drop_syns};
  for (const auto& [key, sockets] : current_) {
    for (const auto& socket : sockets) {
      auto address = socket->address().ipv4();
      if (!address || std::find(ipv4.begin(), ipv4.end(), *address) == ipv4.end()) continue;
      // SO_DETACH_FILTER ignores its value, but Linux refuses an option
      // shorter than an int (EINVAL): the filter would stay, and the
      // listener would drop every new connection for good.
      const int unused = 0;
      int rc = pause ? setsockopt(socket->fd(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program)
                     : setsockopt(socket->fd(), SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof unused);
      if (rc != 0 && (pause || errno != ENOENT))
        TLOG_WARN("listener %s: cannot %s new connections: %s", key.c_str(), pause ? "pause" : "resume",
                  strerror(errno));
    }
  }
}

}  // namespace tandem
