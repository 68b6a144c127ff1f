#include "daemon/http/server_conn_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace tandem::http_proxy {
namespace {
constexpr double kSweepInterval = 1.0;  // s: idle limits are enforced to about this
}

struct ServerConnPool::Idle {
  Idle(ServerConnPool* p, std::shared_ptr<runtime::ServerState> s, proxy::Stream c, double deadline_at)
      : pool(p), server(std::move(s)), conn(std::move(c)), deadline(deadline_at), io(p->loop_, &Idle::ready, this) {}
  static void ready(void* self, int) {
    auto* idle = static_cast<Idle*>(self);
    idle->pool->on_readable(idle);
  }
  ServerConnPool* pool;
  std::shared_ptr<runtime::ServerState> server;
  proxy::Stream conn;
  double deadline;
  base::IoWatcher io;
  IdleList::iterator self;
};

ServerConnPool::ServerConnPool(struct ev_loop* loop)
    : loop_(loop), sweep_(loop, &base::member_callback<ServerConnPool, &ServerConnPool::on_sweep>, this) {}

ServerConnPool::~ServerConnPool() { clear(); }

proxy::Stream ServerConnPool::take(const runtime::ServerState& server) {
  auto it = idle_.find(&server);
  if (it == idle_.end() || it->second.empty()) return {};
  IdleList& list = it->second;
  proxy::Stream conn = std::move(list.front()->conn);
  list.pop_front();
  --count_;
  return conn;
}

void ServerConnPool::put(std::shared_ptr<runtime::ServerState> server, proxy::Stream conn, double idle, int max) {
  if (idle <= 0 || max <= 0 || !conn) return;
  IdleList& list = idle_[server.get()];
  while (list.size() >= static_cast<size_t>(max)) drop(list, std::prev(list.end()));
  list.push_front(std::make_unique<Idle>(this, std::move(server), std::move(conn), ev_now(loop_) + idle));
  Idle* entry = list.front().get();
  entry->self = list.begin();
  entry->io.set_handed_over(entry->conn.fd(), EV_READ);  // the session watched it until now
  ++count_;
  if (!sweep_.is_active()) sweep_.start(kSweepInterval, kSweepInterval);
}

void ServerConnPool::clear() {
  idle_.clear();
  count_ = 0;
  sweep_.stop();
}

// Readable while idle: the server closed it, or broke the protocol.
void ServerConnPool::on_readable(Idle* idle) {
  auto it = idle_.find(idle->server.get());
  if (it != idle_.end()) drop(it->second, idle->self);
}

void ServerConnPool::drop(IdleList& list, IdleList::iterator it) {
  list.erase(it);
  --count_;
}

void ServerConnPool::on_sweep(int) {
  double now = ev_now(loop_);
  for (auto it = idle_.begin(); it != idle_.end();) {
    IdleList& list = it->second;
    while (!list.empty() && list.back()->deadline <= now) drop(list, std::prev(list.end()));
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
  if (count_ == 0) sweep_.stop();
}

}  // namespace tandem::http_proxy
