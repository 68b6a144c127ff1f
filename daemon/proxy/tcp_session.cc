#include "daemon/proxy/tcp_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/log.h"
#include "daemon/proxy/server_connect.h"
#include "daemon/proxy/worker.h"
#include "daemon/tables/connection_table.h"
#include "daemon/tables/source_limits.h"

namespace tandem::proxy {
namespace {

bool is_loopback(const base::SocketAddress& a) {
  std::string_view bytes = a.address_bytes();
  if (a.is_ipv4()) return !bytes.empty() && static_cast<uint8_t>(bytes[0]) == 127;
  static constexpr char kV6Loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return bytes == std::string_view(kV6Loopback, 16);
}

// splice(2) is zero-copy only for paged socket buffers, as real NICs fill;
// loopback hands it linear buffers that the kernel copies into pages first,
// and copying through user space measured faster (docs/design-notes.md).
bool use_splice(conf::SpliceMode mode, const base::SocketAddress& client, const base::SocketAddress& server) {
  if (mode != conf::SpliceMode::Auto) return mode == conf::SpliceMode::On;
  return !(is_loopback(client) && is_loopback(server));
}

}  // namespace

TcpSession::TcpSession(Worker& worker, base::UniqueFd client, const base::SocketAddress& peer,
                       std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, uint32_t frontend_index)
    : worker_(worker),
      snapshot_(std::move(snapshot)),
      frontend_(frontend_index),
      peer_(peer),
      client_(std::move(client)),
      client_io_(worker.loop(), &base::member_callback<TcpSession, &TcpSession::on_client_io>, this),
      server_io_(worker.loop(), &base::member_callback<TcpSession, &TcpSession::on_server_io>, this),
      timer_(worker.loop(), &base::member_callback<TcpSession, &TcpSession::on_timer>, this) {
  runtime::bump(frontend().state->traffic().slot(worker_.id()).active, 1);
  runtime::bump(frontend().state->traffic().slot(worker_.id()).total);
  retries_left_ = pool().conf->retries;
  entry_ = worker_.connections().add(worker_.id(), tables::ConnectionInfo{peer_, frontend().conf->name, pool().conf->name});
}

TcpSession::~TcpSession() {
  worker_.cancel_flush(this);
  client_io_.stop();
  server_io_.stop();
  timer_.stop();
  upstream_.release(worker_.relay_resources().pipes);
  downstream_.release(worker_.relay_resources().pipes);
  if (phase_ != Phase::Connecting && server_) runtime::bump(server_->traffic().slot(worker_.id()).active, -1);
  runtime::bump(frontend().state->traffic().slot(worker_.id()).active, -1);
  if (frontend().limits) frontend().limits->connection_closed(peer_.address_bytes());
  if (entry_ != nullptr) worker_.connections().remove(entry_);
}

void TcpSession::start() { connect_next(); }

void TcpSession::abort() {
  phase_ = phase_ == Phase::Connecting ? Phase::Connecting : Phase::Done;
  client_io_.stop();
  server_io_.stop();
  timer_.stop();
}

void TcpSession::connect_next() {
  int index = worker_.picker().pick(*snapshot_, frontend().pool, peer_, tried_);
  if (index < 0) {
    runtime::bump(frontend().state->traffic().slot(worker_.id()).no_server);
    TLOG_DEBUG("%s: no server available for %s", frontend().conf->name.c_str(), peer_.to_string().c_str());
    finish();
    return;
  }
  server_ = pool().servers[static_cast<size_t>(index)];
  tried_.push_back(static_cast<uint32_t>(index));
  ConnectStart c = start_connect(server_->address());
  server_fd_ = std::move(c.fd);
  if (!server_fd_) {
    on_connect_failed(c.error, c.what);
    return;
  }
  if (c.connected) {
    on_connected();
    return;
  }
  server_io_.set(server_fd_.get(), EV_WRITE);
  timer_.start(base::to_seconds(pool().conf->timeout_connect));
}

void TcpSession::on_connect_failed(int error, const char* what) {
  server_io_.stop();
  timer_.stop();
  server_fd_.reset();
  runtime::bump(server_->traffic().slot(worker_.id()).connect_failures);
  worker_.report_connect(server_, false,
                         connect_failure_reason(error, what, pool().conf->timeout_connect).c_str());
  if (retries_left_-- > 0) {
    connect_next();
    return;
  }
  runtime::bump(frontend().state->traffic().slot(worker_.id()).no_server);
  finish();
}

void TcpSession::on_connected() {
  phase_ = Phase::Relaying;
  runtime::TrafficSlot& slot = server_->traffic().slot(worker_.id());
  runtime::bump(slot.active, 1);
  runtime::bump(slot.total);
  worker_.report_connect(server_, true, nullptr);
  if (entry_ != nullptr) worker_.connections().set_server(entry_, server_->name());
  last_client_ = last_server_ = ev_now(worker_.loop());
  bool splice = use_splice(frontend().conf->splice, peer_, server_->address());
  upstream_.allow_splice(splice);
  downstream_.allow_splice(splice);
  arm_idle_timer();
  relay(/*up=*/true, /*down=*/false);  // the client may have spoken first; the server has not yet
}

// Each readiness event pumps only the direction it concerns: a readable
// client (or writable server) moves upstream bytes, a readable server (or
// writable client) downstream ones — no syscall is spent asking the other
// side for bytes it has not announced.
void TcpSession::on_client_io(int revents) {
  relay((revents & EV_READ) != 0, (revents & EV_WRITE) != 0);
}

void TcpSession::on_server_io(int revents) {
  if (phase_ == Phase::Connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(server_fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      on_connect_failed(err, "connect");
      return;
    }
    timer_.stop();
    on_connected();
    return;
  }
  relay((revents & EV_WRITE) != 0, (revents & EV_READ) != 0);
}

// Whether the destination of the half opposite `other` is about to be
// closed, so its end needs no shutdown of its own: the other direction has
// finished, or half_close = off (the first side that ends ends the
// connection, settle()).
bool TcpSession::closing_after(const RelayHalf& other) const {
  return !frontend().conf->half_close || other.finished();
}

void TcpSession::relay(bool pump_up, bool pump_down) {
  RelayHalf::Progress up, down;
  if (pump_up)
    up = upstream_.pump(client_.get(), server_fd_.get(), worker_.relay_resources(), closing_after(downstream_),
                        /*defer=*/true);
  if (pump_down)
    down = downstream_.pump(server_fd_.get(), client_.get(), worker_.relay_resources(), closing_after(upstream_),
                            /*defer=*/true);
  if (upstream_.deferred() || downstream_.deferred()) worker_.defer_flush(this);
  settle(up, down);
}

void TcpSession::flush() {
  RelayHalf::Progress up = upstream_.deliver(server_fd_.get(), closing_after(downstream_));
  RelayHalf::Progress down = downstream_.deliver(client_.get(), closing_after(upstream_));
  settle(up, down);
}

void TcpSession::settle(const RelayHalf::Progress& up, const RelayHalf::Progress& down) {
  runtime::TrafficSlot& fe = frontend().state->traffic().slot(worker_.id());
  runtime::TrafficSlot& srv = server_->traffic().slot(worker_.id());
  double now = ev_now(worker_.loop());
  if (up.read || down.written) last_client_ = now;
  if (down.read || up.written) last_server_ = now;
  if (up.written) {
    runtime::bump(fe.bytes_in, up.written);
    runtime::bump(srv.bytes_in, up.written);
    if (entry_ != nullptr) entry_->add_bytes_to_server(up.written);
  }
  if (down.written) {
    runtime::bump(fe.bytes_out, down.written);
    runtime::bump(srv.bytes_out, down.written);
    if (entry_ != nullptr) entry_->add_bytes_to_client(down.written);
  }
  bool ended = frontend().conf->half_close
                   ? upstream_.finished() && downstream_.finished()
                   : (upstream_.finished() && !downstream_.wants_write()) ||
                         (downstream_.finished() && !upstream_.wants_write());
  if (up.error != 0 || down.error != 0 || ended) {
    finish();
    return;
  }
  if (flush_queued) return;  // flush() sets the watchers once the messages are out
  client_io_.set(client_.get(), (upstream_.wants_read() ? EV_READ : 0) | (downstream_.wants_write() ? EV_WRITE : 0));
  server_io_.set(server_fd_.get(), (downstream_.wants_read() ? EV_READ : 0) | (upstream_.wants_write() ? EV_WRITE : 0));
}

// One timer serves both idle timeouts: it is not re-armed on every byte
// (libev's recommended "lazy" pattern); when it fires it checks the
// recorded activity times and sleeps again until the nearer deadline.
void TcpSession::arm_idle_timer() {
  double now = ev_now(worker_.loop());
  double client_deadline = last_client_ + base::to_seconds(frontend().conf->timeout_client);
  double server_deadline = last_server_ + base::to_seconds(pool().conf->timeout_server);
  double next = std::min(client_deadline, server_deadline) - now;
  timer_.start(next > 0.001 ? next : 0.001);
}

void TcpSession::on_timer(int) {
  if (phase_ == Phase::Connecting) {
    on_connect_failed(ETIMEDOUT, "timeout");
    return;
  }
  double now = ev_now(worker_.loop());
  bool client_idle = now - last_client_ >= base::to_seconds(frontend().conf->timeout_client);
  bool server_idle = now - last_server_ >= base::to_seconds(pool().conf->timeout_server);
  if (client_idle || server_idle) {
    TLOG_DEBUG("%s: closing %s: %s idle", frontend().conf->name.c_str(), peer_.to_string().c_str(),
               client_idle ? "client" : "server");
    finish();
    return;
  }
  arm_idle_timer();
}

void TcpSession::finish() {
  phase_ = phase_ == Phase::Connecting ? Phase::Connecting : Phase::Done;
  worker_.session_finished(this);  // destroys *this
}

}  // namespace tandem::proxy
