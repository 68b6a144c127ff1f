#pragma once
// One proxied client connection in `mode = tcp`: picks a server, connects
// (retrying other servers on failure), then relays both directions with
// splice until both have ended, an error happens or a side goes idle.
//
// Lifetime: owned by its Worker; it tells the worker when it is finished and
// the worker destroys it (always as the last thing a callback does).
// Threading: lives entirely on its worker's thread.

#include <list>
#include <memory>
#include <vector>

#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "daemon/proxy/relay_half.h"
#include "daemon/proxy/session.h"
#include "daemon/runtime/runtime_snapshot.h"

namespace tandem::tables {
class ConnectionEntry;
}

namespace tandem::proxy {

class Worker;

class TcpSession final : public Session {
 public:
  TcpSession(Worker& worker, base::UniqueFd client, const base::SocketAddress& peer,
             std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, uint32_t frontend_index);
  ~TcpSession() override;
  TcpSession(const TcpSession&) = delete;
  TcpSession& operator=(const TcpSession&) = delete;

  // Picks a server and connects (Session::start).
  void start() override;
  void abort() override;

  uint32_t frontend_index() const override { return frontend_; }
  // Delivers the small messages relay() deferred (Worker::defer_flush).
  void flush() override;

 private:
  enum class Phase { Connecting, Relaying, Done };

  void connect_next();
  void on_connect_failed(int error, const char* what);
  void on_connected();
  void on_client_io(int revents);
  void on_server_io(int revents);
  void on_timer(int revents);
  void relay(bool pump_up, bool pump_down);
  // After a pump or a delivery: counts the bytes, ends the connection when
  // both sides (or, without half_close, one) ended, else sets the watchers
  // — unless a message waits for flush(), which sets them.
  void settle(const RelayHalf::Progress& up, const RelayHalf::Progress& down);
  bool closing_after(const RelayHalf& other) const;
  void arm_idle_timer();
  void finish();

  const runtime::FrontendRuntime& frontend() const { return snapshot_->frontends[frontend_]; }
  const runtime::PoolRuntime& pool() const { return snapshot_->pools[frontend().pool]; }

  Worker& worker_;
  std::shared_ptr<const runtime::RuntimeSnapshot> snapshot_;
  const uint32_t frontend_;
  base::SocketAddress peer_;
  base::UniqueFd client_;
  base::UniqueFd server_fd_;
  std::shared_ptr<runtime::ServerState> server_;  // the server connected to (or being tried)
  std::vector<uint32_t> tried_;                   // servers that failed, by index in the pool
  int retries_left_ = 0;
  Phase phase_ = Phase::Connecting;
  tables::ConnectionEntry* entry_ = nullptr;

  RelayHalf upstream_;    // client -> server
  RelayHalf downstream_;  // server -> client
  double last_client_ = 0;  // ev_now of the last byte from/to the client
  double last_server_ = 0;

  base::IoWatcher client_io_;
  base::IoWatcher server_io_;
  base::TimerWatcher timer_;
};

}  // namespace tandem::proxy
