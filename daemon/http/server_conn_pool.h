#pragma once
// Idle keep-alive connections to servers, per worker: after a response that
// leaves the server connection reusable, the session gives it back here, and
// the next request for the same server (from any client of this worker)
// takes it instead of connecting anew (docs/http.md, "Server connection").
//
// An idle connection is watched: if the server closes it (or sends anything,
// which HTTP/1.1 does not allow between responses), it is dropped at once,
// so take() mostly returns live connections; the session still copes with a
// close that races the next request. Each is kept at most `idle` and at most
// `max` per server, oldest out.
//
// Threading: one worker's thread.

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

#include "base/ev_watch.h"
#include "daemon/proxy/stream.h"
#include "daemon/runtime/server_state.h"

namespace tandem::http_proxy {

class ServerConnPool {
 public:
  explicit ServerConnPool(struct ev_loop* loop);
  ~ServerConnPool();
  ServerConnPool(const ServerConnPool&) = delete;
  ServerConnPool& operator=(const ServerConnPool&) = delete;

  // An idle connection to `server`, or an empty stream. The pool stops
  // watching it: the taker watches it next (IoWatcher::set_handed_over).
  proxy::Stream take(const runtime::ServerState& server);
  // Keeps `conn` (a connection to `server` with no request under way) for
  // at most `idle` seconds, `max` per server; closes it if idle or max is 0.
  // The caller has stopped watching it (the pool takes the fd's
  // registration over, see IoWatcher::set_handed_over).
  void put(std::shared_ptr<runtime::ServerState> server, proxy::Stream conn, double idle, int max);
  // Closes every idle connection (worker stop, hand-over).
  void clear();
  size_t size() const { return count_; }

 private:
  struct Idle;
  using IdleList = std::list<std::unique_ptr<Idle>>;

  void on_readable(Idle* idle);
  void on_sweep(int);
  void drop(IdleList& list, IdleList::iterator it);

  struct ev_loop* loop_;
  std::unordered_map<const runtime::ServerState*, IdleList> idle_;  // newest at the front
  size_t count_ = 0;
  base::TimerWatcher sweep_;
};

}  // namespace tandem::http_proxy
