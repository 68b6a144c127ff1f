#include "daemon/proxy/worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "base/log.h"
#include "daemon/proxy/listen_socket.h"
#include "daemon/balance/hash.h"
#include "daemon/http/http_session.h"
#include "daemon/http/server_conn_pool.h"
#include "daemon/proxy/tcp_session.h"
#include "daemon/tables/source_limits.h"

namespace tandem::proxy {
namespace {

constexpr int kAcceptBatch = 64;          // connections taken per readiness event
constexpr double kPausedRecheck = 0.05;   // s, for frontends at max_connections

struct ev_loop* new_worker_loop() {
  struct ev_loop* loop = ev_loop_new(static_cast<unsigned>(EVBACKEND_EPOLL) | static_cast<unsigned>(EVFLAG_NOENV));
  return loop != nullptr ? loop : ev_loop_new(EVFLAG_AUTO);
}

base::RateLimitedLog g_accept_errors(5, std::chrono::seconds(10));

}  // namespace

struct Worker::Acceptor {
  Acceptor(Worker* w, uint32_t fe, std::shared_ptr<ListenSocket> s)
      : worker(w), frontend(fe), socket(std::move(s)), io(w->loop(), &Acceptor::on_ready, this) {
    io.set(socket->fd(), EV_READ);
  }
  static void on_ready(void* self, int) {
    auto* a = static_cast<Acceptor*>(self);
    a->worker->accept_from(*a);
  }
  Worker* worker;
  uint32_t frontend;
  std::shared_ptr<ListenSocket> socket;
  base::IoWatcher io;
  bool paused = false;
};

Worker::Worker(unsigned id, tables::ConnectionTable& connections, ReportSink report_sink)
    : id_(id),
      connections_(connections),
      report_sink_(std::move(report_sink)),
      loop_(new_worker_loop()),
      tasks_(loop_.get(), [](base::Task&& t) { t(); }),
      picker_(0x7a4d3e00ULL + id),
      server_conns_(std::make_unique<http_proxy::ServerConnPool>(loop_.get())),
      paused_timer_(loop_.get(), &base::member_callback<Worker, &Worker::on_paused_timer>, this),
      flush_watcher_(loop_.get(), &base::member_callback<Worker, &Worker::on_flush>, this) {}

Worker::~Worker() {
  stop();
  // Members holding watchers are destroyed before loop_ (declared first).
  sessions_.clear();
  acceptors_.clear();
  server_conns_.reset();
}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::run() {
  char name[16];
  snprintf(name, sizeof name, "tandem-w%u", id_);
  pthread_setname_np(pthread_self(), name);
  ev_run(loop_.get(), 0);
}

void Worker::apply(std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, std::vector<ListenerAssignment> listeners) {
  tasks_.post([this, snapshot = std::move(snapshot), listeners = std::move(listeners)]() mutable {
    on_snapshot(std::move(snapshot), std::move(listeners));
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  tasks_.post([this] {
    stopping_ = true;
    paused_timer_.stop();
    sessions_.clear();  // closes every connection
    flush_queue_.clear();
    flush_watcher_.stop();
    server_conns_->clear();
    session_count_.store(0, std::memory_order_relaxed);
    acceptors_.clear();
    snapshot_.reset();
    ev_break(loop_.get(), EVBREAK_ALL);
  });
  thread_.join();
}

void Worker::close_when_idle(std::vector<uint32_t> frontends) {
  tasks_.post([this, frontends = std::move(frontends)] {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session* s = it->get();
      ++it;  // close_when_idle() may destroy the session and its list node
      if (std::find(frontends.begin(), frontends.end(), s->frontend_index()) != frontends.end()) s->close_when_idle();
    }
  });
}

void Worker::on_snapshot(std::shared_ptr<const runtime::RuntimeSnapshot> snapshot,
                         std::vector<ListenerAssignment> listeners) {
  if (stopping_) return;
  std::vector<std::unique_ptr<Acceptor>> next;
  for (ListenerAssignment& l : listeners) {
    std::unique_ptr<Acceptor> kept;
    for (auto& a : acceptors_) {
      if (a && a->socket == l.socket) {
        kept = std::move(a);
        break;
      }
    }
    if (kept) {
      kept->frontend = l.frontend;  // the socket stays open: no client in its queue is lost
      next.push_back(std::move(kept));
    } else {
      next.push_back(std::make_unique<Acceptor>(this, l.frontend, std::move(l.socket)));
    }
  }
  acceptors_.swap(next);
  next.clear();  // stops watching listeners that are gone
  snapshot_ = std::move(snapshot);
  picker_.reset(*snapshot_);
  resume_paused();
}

bool Worker::frontend_full(uint32_t frontend) const {
  const runtime::FrontendRuntime& fe = snapshot_->frontends[frontend];
  int max = fe.conf->max_connections;
  return max > 0 && fe.state->traffic().active() >= max;
}

namespace {

// A place under a frontend's max_connections, claimed for one accept and
// given back when it goes out of scope (the session made meanwhile counts
// itself active). Unlimited frontends claim nothing.
class ConnectionClaim {
 public:
  ConnectionClaim(runtime::FrontendState& frontend, int max)
      : frontend_(max > 0 ? &frontend : nullptr), granted_(frontend.claim_connection(max)) {}
  ~ConnectionClaim() {
    if (frontend_ != nullptr && granted_) frontend_->release_claim();
  }
  ConnectionClaim(const ConnectionClaim&) = delete;
  ConnectionClaim& operator=(const ConnectionClaim&) = delete;
  bool granted() const { return granted_; }

 private:
  runtime::FrontendState* frontend_;
  bool granted_;
};

}  // namespace

void Worker::accept_from(Acceptor& acceptor) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    const runtime::FrontendRuntime& fe = snapshot_->frontends[acceptor.frontend];
    // Held until the session below counts itself active (end of iteration).
    ConnectionClaim claim(*fe.state, fe.conf->max_connections);
    if (!claim.granted()) {
      // Leave further clients in the kernel's accept backlog until
      // connections close; they wait, they are not refused.
      acceptor.io.stop();
      acceptor.paused = true;
      if (!paused_timer_.is_active()) paused_timer_.start(kPausedRecheck, kPausedRecheck);
      return;
    }
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(acceptor.socket->fd(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of fds or memory: back off instead of spinning on a ready socket.
      g_accept_errors.log(base::LogLevel::Warning, "accept on %s: %s", acceptor.socket->address().to_string().c_str(),
                          strerror(errno));
      acceptor.io.stop();
      acceptor.paused = true;
      if (!paused_timer_.is_active()) paused_timer_.start(kPausedRecheck, kPausedRecheck);
      return;
    }
    auto peer = base::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    if (fe.limits && !fe.limits->admit_connection(peer.address_bytes())) {
      // Over limit_connections or limit_connection_rate: closed at once
      // (counted by the table; shown in status).
      ::close(fd);
      continue;
    }
    if (fe.conf->mode == conf::Mode::Http)
      sessions_.push_front(std::make_unique<http_proxy::HttpSession>(*this, base::UniqueFd(fd), peer, snapshot_,
                                                                     acceptor.frontend,
                                                                     acceptor.socket->address().port()));
    else
      sessions_.push_front(std::make_unique<TcpSession>(*this, base::UniqueFd(fd), peer, snapshot_, acceptor.frontend));
    session_count_.fetch_add(1, std::memory_order_relaxed);
    Session* session = sessions_.front().get();
    session->self = sessions_.begin();
    session->start();  // may already have finished and been destroyed
  }
}

void Worker::new_request_id(std::string* out) {
  if (request_id_state_[0] == 0 && request_id_state_[1] == 0) {
    std::random_device rd;
    request_id_state_[0] = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ id_;
    request_id_state_[1] = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  // A counter through a bijective mixer: unique, and not guessable at a glance.
  uint64_t a = balance::mix64(++request_id_state_[0]);
  uint64_t b = balance::mix64(request_id_state_[1] ^ a);
  static constexpr char kHex[] = "0123456789abcdef";
  out->resize(32);
  for (int i = 0; i < 16; ++i) {
    (*out)[static_cast<size_t>(i)] = kHex[(a >> (60 - 4 * i)) & 0xF];
    (*out)[static_cast<size_t>(16 + i)] = kHex[(b >> (60 - 4 * i)) & 0xF];
  }
}

void Worker::session_finished(Session* session) {
  if (stopping_) return;  // sessions_.clear() is destroying it
  sessions_.erase(session->self);
  session_count_.fetch_sub(1, std::memory_order_relaxed);
  if (paused_timer_.is_active()) resume_paused();
}

void Worker::on_paused_timer(int) { resume_paused(); }

void Worker::flush_deferred() {
  // Index-based: a flush may queue (or cancel) sessions; those queued now
  // are flushed in this same pass.
  for (size_t i = 0; i < flush_queue_.size(); ++i) {
    Session* s = flush_queue_[i];
    if (s == nullptr) continue;  // cancelled
    s->flush_queued = false;
    s->flush();  // may destroy s
  }
  flush_queue_.clear();
  flush_watcher_.stop();
  relay_.deferred_used = 0;  // every deferred message was delivered or moved to its backlog
}

void Worker::cancel_flush(Session* session) {
  if (!session->flush_queued) return;
  session->flush_queued = false;
  std::replace(flush_queue_.begin(), flush_queue_.end(), session, static_cast<Session*>(nullptr));
}

void Worker::resume_paused() {
  bool still_paused = false;
  for (auto& a : acceptors_) {
    if (!a->paused) continue;
    if (frontend_full(a->frontend)) {
      still_paused = true;
      continue;
    }
    a->paused = false;
    a->io.set(a->socket->fd(), EV_READ);
  }
  if (!still_paused) paused_timer_.stop();
}

void Worker::report_connect(const std::shared_ptr<runtime::ServerState>& server, bool ok, const char* reason) {
  if (ok) {
    if (server->note_connect_success()) report_sink_(ConnectReport{server, true, {}});
    return;
  }
  server->note_connect_failure();
  report_sink_(ConnectReport{server, false, reason != nullptr ? reason : "connect failed"});
}

}  // namespace tandem::proxy
