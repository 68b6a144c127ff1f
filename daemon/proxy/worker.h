#pragma once
// A proxy worker: one thread, one libev loop, its own SO_REUSEPORT listening
// sockets, and every connection it accepted, owned outright (DESIGN.md
// "Runtime model"). Everything it needs from the rest of the daemon arrives
// as typed events: a new RuntimeSnapshot (after a reload or any change of
// server state) or a request to stop.
//
// Threading: the public methods marked "any thread" may be called from the
// main thread; everything else runs on the worker's own thread.

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/ev_watch.h"
#include "base/event_queue.h"
#include "daemon/proxy/relay_half.h"
#include "daemon/proxy/server_picker.h"
#include "daemon/proxy/session.h"
#include "daemon/runtime/runtime_snapshot.h"

namespace tandem::http_proxy {
class ServerConnPool;
}

namespace tandem::tables {
class ConnectionTable;
}

namespace tandem::proxy {

class ListenSocket;

// A listening socket a worker accepts from, and the frontend it serves.
struct ListenerAssignment {
  uint32_t frontend = 0;  // index into RuntimeSnapshot::frontends
  std::shared_ptr<ListenSocket> socket;
};

// What a worker tells the main thread about connection attempts, so passive
// health (repeated connect failures) can mark a server down.
struct ConnectReport {
  std::shared_ptr<runtime::ServerState> server;
  bool ok = false;
  std::string reason;
};

class Worker {
 public:
  using ReportSink = std::function<void(ConnectReport&&)>;  // called on the worker thread

  Worker(unsigned id, tables::ConnectionTable& connections, ReportSink report_sink);
  ~Worker();  // stops and joins if still running
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread. Main thread, once.
  void start();
  // Any thread: serve with this snapshot and accept from these listeners
  // from now on (listeners not in the list are let go at once; existing
  // connections keep their own snapshot).
  void apply(std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, std::vector<ListenerAssignment> listeners);
  // Any thread: the sessions of these frontends finish at their next clean
  // boundary (Session::close_when_idle: HTTP between requests).
  void close_when_idle(std::vector<uint32_t> frontends);
  // Any thread: close every connection, end the loop, join the thread.
  void stop();
  // Any thread: connections this worker holds now.
  size_t session_count() const { return session_count_.load(std::memory_order_relaxed); }

  // --- worker thread only ---
  unsigned id() const { return id_; }
  struct ev_loop* loop() const { return loop_.get(); }
  RelayResources& relay_resources() { return relay_; }
  ServerPicker& picker() { return picker_; }
  // The snapshot new connections get (null while stopping).
  const std::shared_ptr<const runtime::RuntimeSnapshot>& snapshot() const { return snapshot_; }
  tables::ConnectionTable& connections() { return connections_; }
  void report_connect(const std::shared_ptr<runtime::ServerState>& server, bool ok, const char* reason);
  // A session is done: destroys it.
  void session_finished(Session* session);
  // Idle keep-alive connections to servers (mode http).
  http_proxy::ServerConnPool& server_conns() { return *server_conns_; }
  // A new request id: 32 lower-case hex digits, unique per process run.
  void new_request_id(std::string* out);
  // Writes wait for the end of the loop iteration: a session whose callback
  // produced bytes to send queues itself here, and its flush() runs once
  // every ready event of the iteration has been read
  // (docs/design-notes.md, "A worker's loop iteration").
  void defer_flush(Session* session) {
    if (session->flush_queued) return;
    session->flush_queued = true;
    flush_queue_.push_back(session);
    if (!flush_watcher_.is_active()) flush_watcher_.start();
  }
  // A queued session is going away before its flush.
  void cancel_flush(Session* session);
  // Heavy work (a TLS handshake's first flight, ~0.3 ms of CPU) is done at
  // most kHeavyPerIteration times per loop iteration; past that, false: the
  // caller leaves its event for the next iteration (its socket stays
  // readable), so a burst of handshakes cannot stretch one iteration and
  // delay every established connection's request and response. The
  // iteration's deferred writes go out before its first heavy work.
  bool take_heavy_slot(const Session& caller) {
    unsigned iteration = ev_iteration(loop_.get());
    if (iteration != heavy_iteration_) {
      heavy_iteration_ = iteration;
      heavy_left_ = kHeavyPerIteration;
    }
    if (heavy_left_ == 0) return false;
    --heavy_left_;
    if (!caller.flush_queued) flush_deferred();  // (a queued caller would be flushed, and maybe destroyed, under itself)
    return true;
  }

 private:
  struct Acceptor;

  void run();
  void on_snapshot(std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, std::vector<ListenerAssignment> listeners);
  void accept_from(Acceptor& acceptor);
  bool frontend_full(uint32_t frontend) const;
  void on_paused_timer(int revents);
  void on_flush(int) { flush_deferred(); }
  void flush_deferred();
  void resume_paused();

  const unsigned id_;
  tables::ConnectionTable& connections_;
  ReportSink report_sink_;
  base::EvLoop loop_;  // first: outlives every watcher below
  std::thread thread_;
  base::TaskQueue tasks_;
  std::shared_ptr<const runtime::RuntimeSnapshot> snapshot_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::list<std::unique_ptr<Session>> sessions_;
  std::atomic<size_t> session_count_{0};
  RelayResources relay_;
  ServerPicker picker_;
  std::unique_ptr<http_proxy::ServerConnPool> server_conns_;
  uint64_t request_id_state_[2] = {0, 0};
  static constexpr int kHeavyPerIteration = 4;
  unsigned heavy_iteration_ = 0;
  int heavy_left_ = kHeavyPerIteration;
  base::TimerWatcher paused_timer_;  // re-checks frontends at max_connections
  std::vector<Session*> flush_queue_;   // defer_flush, in the order of queueing
  base::PrepareWatcher flush_watcher_;  // active while flush_queue_ is not empty
  bool stopping_ = false;
};

}  // namespace tandem::proxy
