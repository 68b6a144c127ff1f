#pragma once
// The status socket: a Unix stream socket on the daemon's main libev loop,
// answering one command per line through a CommandRegistry.
//
//   CommandRegistry registry;                      // modules add() commands
//   register_snmp_commands(registry, fill_mib, base_oid);
//   StatusServer server(loop, registry, {.path = cfg.status_socket,
//                                        .group = cfg.status_group});
//   if (auto s = server.start(); !s) { log s.error().message; refuse to start }
//
// The wire protocol is in protocol.h and docs/status.md. The socket file is
// handled by UnixListener (parent directories, stale sockets, mode 0660 and
// group). Per client: see ClientConnection (line limit, idle timeout,
// garbage, backpressure, answers in order). Beyond max_clients a new client
// gets "ERR 409 too many clients" and is closed. Nothing a peer does can
// block the loop or take the daemon down; bad input is counted (counters())
// and logged at a limited rate.
//
// To change the path or group (on reload), destroy the server and make a
// new one.
//
// Threading: construct, start, use and destroy on the loop's thread. The
// registry must outlive the server.

#include <ev.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/ev_watch.h"
#include "base/log.h"
#include "base/result.h"
#include "daemon/status/client_connection.h"
#include "daemon/status/command_registry.h"
#include "daemon/status/unix_listener.h"

namespace tandem::status {

struct StatusServerOptions {
  std::string path = "/run/tandem/tandem.sock";
  std::string group = {};  // owner group of the socket file; empty = leave it
  // A client that neither sends nor reads anything for this long is closed
  // (unless one of its commands is still running).
  std::chrono::milliseconds idle_timeout{10000};
  size_t max_line = 4096;  // bytes, without the line terminator
  size_t max_clients = 64;
};

class StatusServer {
 public:
  // Does nothing until start().
  StatusServer(struct ev_loop* loop, const CommandRegistry& registry, StatusServerOptions options);
  // Closes every client (late async replies are then dropped) and removes
  // the socket file if it is still ours.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Creates the socket and starts accepting. Errors are operator-facing and
  // name the path; the daemon should refuse to start on one.
  base::Status start();

  const StatusServerOptions& options() const { return options_; }
  const StatusCounters& counters() const { return counters_; }
  size_t client_count() const { return clients_.size(); }

 private:
  static constexpr int kAcceptsPerWakeup = 16;

  void on_accept(int revents);
  void on_accept_resume(int revents);
  void accept_one(base::UniqueFd fd);
  void release(ClientConnection* conn);

  struct ev_loop* loop_;
  const CommandRegistry& registry_;
  const StatusServerOptions options_;
  StatusCounters counters_;
  base::RateLimitedLog log_{5, std::chrono::seconds(10)};
  ConnectionContext ctx_;
  std::optional<UnixListener> listener_;
  base::IoWatcher accept_watcher_;
  base::TimerWatcher accept_pause_;  // out of fds: retry accepting later
  std::unordered_map<ClientConnection*, std::unique_ptr<ClientConnection>> clients_;
};

}  // namespace tandem::status
