#include "daemon/status/status_server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

namespace tandem::status {

namespace {

PeerCredentials peer_of(int fd) {
  PeerCredentials peer;
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof cred) {
    peer.uid = cred.uid;
    peer.gid = cred.gid;
    peer.pid = cred.pid;
  }
  return peer;
}

}  // namespace

StatusServer::StatusServer(struct ev_loop* loop, const CommandRegistry& registry, StatusServerOptions options)
    : loop_(loop),
      registry_(registry),
      options_(std::move(options)),
      ctx_{loop,
           registry_,
           counters_,
           log_,
           options_.max_line,
           std::chrono::duration<double>(options_.idle_timeout).count(),
           [this](ClientConnection* c) { release(c); }},
      accept_watcher_(loop, &base::member_callback<StatusServer, &StatusServer::on_accept>, this),
      accept_pause_(loop, &base::member_callback<StatusServer, &StatusServer::on_accept_resume>, this) {}

StatusServer::~StatusServer() {
  accept_watcher_.stop();
  accept_pause_.stop();
  clients_.clear();
  listener_.reset();
}

base::Status StatusServer::start() {
  auto listener = UnixListener::open(options_.path, options_.group);
  if (!listener) return listener.error();
  listener_.emplace(std::move(*listener));
  accept_watcher_.set(listener_->fd(), EV_READ);
  TLOG_INFO("status socket listening on %s", options_.path.c_str());
  return {};
}

void StatusServer::on_accept(int) {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    base::UniqueFd fd(::accept4(listener_->fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd) {
      accept_one(std::move(fd));
      continue;
    }
    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
    ++counters_.accept_errors;
    log_.log(base::LogLevel::Error, "status socket: accept: %s", strerror(errno));
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // The pending connection stays queued and the socket stays readable:
      // pause instead of spinning on it.
      accept_watcher_.stop();
      accept_pause_.start(0.1);
    }
    return;
  }
}

void StatusServer::on_accept_resume(int) { accept_watcher_.set(listener_->fd(), EV_READ); }

void StatusServer::accept_one(base::UniqueFd fd) {
  if (clients_.size() >= options_.max_clients) {
    ++counters_.rejected_clients;
    log_.log(base::LogLevel::Warning, "status socket: too many clients (max %zu); turning one away",
             options_.max_clients);
    std::string msg;
    encode_response(Response::error(StatusCode::Conflict,
                                    "too many clients (max " + std::to_string(options_.max_clients) + ")"),
                    msg);
    ssize_t n = ::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n;  // best effort; it is closed either way
    return;
  }
  ++counters_.connections;
  const PeerCredentials peer = peer_of(fd.get());
  auto conn = std::make_unique<ClientConnection>(ctx_, std::move(fd), peer);
  ClientConnection* raw = conn.get();
  clients_.emplace(raw, std::move(conn));
  raw->start();  // may release it already
}

void StatusServer::release(ClientConnection* conn) { clients_.erase(conn); }

}  // namespace tandem::status
