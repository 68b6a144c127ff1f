#include "daemon/http/http_session.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "daemon/http/server_conn_pool.h"
#include "daemon/proxy/worker.h"
#include "daemon/tables/connection_table.h"
#include "daemon/tables/source_limits.h"
#include "daemon/tls/frontend_tls.h"

namespace tandem::http_proxy {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Body bytes waiting for a slow destination before Tandem stops reading the
// source (per direction).
constexpr size_t kHighWater = 64 * 1024;
constexpr double kLinger = 1.0;  // s: reading (and dropping) after the last answer
constexpr double kBodyRateGrace = 5.0;  // s before min_body_rate applies
constexpr double kRateCheck = 1.0;      // s between min_body_rate checks
// A TLS client's first flight (ClientHello) costs the worker the heaviest
// work it does: the key exchange and the certificate's signature, about
// 0.3 ms of CPU. Until it is answered, the connection's events run after the
// other ready ones of the same loop iteration, so a burst of new handshakes
// does not queue the requests and responses of established connections
// (HAProxy runs handshakes in its "heavy" task class for the same reason).
constexpr int kFirstFlightPriority = -1;

// Failed TLS handshakes are bad input (scanners, old clients): counted
// each, logged at most 5 lines per 10 s.
base::RateLimitedLog g_tls_failures(5, std::chrono::seconds(10));

http::Limits limits_of(const conf::FrontendConf& fe) {
  http::Limits l;
  l.max_head = fe.max_head_size;
  l.max_line = fe.max_header_line;
  l.max_headers = static_cast<size_t>(fe.max_headers);
  return l;
}

}  // namespace

std::string_view HttpSession::client_ip() const {
  std::string_view s = peer_text_;  // "1.2.3.4:5" or "[v6]:5"
  if (!s.empty() && s[0] == '[') return s.substr(1, s.find(']') - 1);
  return s.substr(0, s.rfind(':'));
}

void HttpSession::Flow::start_body(const http::MessageHead& head) {
  body = head.body;
  remaining = head.content_length;
  chunked.reset();
  body_done = body == http::BodyKind::None || (body == http::BodyKind::Length && remaining == 0);
}

HttpSession::HttpSession(proxy::Worker& worker, base::UniqueFd client, const base::SocketAddress& peer,
                         std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, uint32_t frontend_index,
                         uint16_t local_port)
    : worker_(worker),
      snapshot_(std::move(snapshot)),
      frontend_(frontend_index),
      peer_(peer),
      peer_text_(peer.to_string()),
      local_port_(std::to_string(local_port)),
      client_(std::move(client)),
      tls_(snapshot_->frontends[frontend_index].tls),
      limits_(limits_of(*snapshot_->frontends[frontend_index].conf)),
      up_(limits_),
      down_(limits_),
      request_parser_(limits_),
      response_parser_(limits_),
      client_io_(worker.loop(), &base::member_callback<HttpSession, &HttpSession::on_client_io>, this),
      server_io_(worker.loop(), &base::member_callback<HttpSession, &HttpSession::on_server_io>, this),
      timer_(worker.loop(), &base::member_callback<HttpSession, &HttpSession::on_timer>, this) {
  runtime::bump(frontend().state->traffic().slot(worker_.id()).active, 1);
  runtime::bump(frontend().state->traffic().slot(worker_.id()).total);
  pool_ = frontend().pool;
  admitted_by_ = frontend().limits;
  entry_ = worker_.connections().add(worker_.id(), tables::ConnectionInfo{peer_, fe_conf().name, pool().conf->name});
  if (tls_) {
    SSL* ssl = tls_->new_ssl();
    if (ssl != nullptr) client_.use_tls(ssl);
    else finished_ = true;  // out of memory: start() closes the connection
    client_io_.set_priority(kFirstFlightPriority);
  }
}

HttpSession::~HttpSession() {
  worker_.cancel_flush(this);
  client_io_.stop();
  server_io_.stop();
  timer_.stop();
  if (server_counted_) runtime::bump(server_->traffic().slot(worker_.id()).active, -1);
  runtime::bump(frontend().state->traffic().slot(worker_.id()).active, -1);
  if (admitted_by_) admitted_by_->connection_closed(peer_.address_bytes());
  if (entry_ != nullptr) worker_.connections().remove(entry_);
}

void HttpSession::start() {
  double now = ev_now(worker_.loop());
  head_started_ = idle_since_ = phase_started_ = last_client_ = now;
  settle();
}

void HttpSession::abort() {
  client_io_.stop();
  server_io_.stop();
  timer_.stop();
}

void HttpSession::close_when_idle() {
  close_requested_ = true;
  if (phase_ == Phase::Head && up_.in.empty()) {
    // A request may be in the socket already: read before deciding it is
    // idle, so it is answered (with Connection: close), not reset.
    read_from(client_, up_, client_read_limit());
    if (up_.in.empty()) finish();
  }
  step();
  settle();
}

void HttpSession::on_client_io(int revents) {
  if (client_io_.priority() != 0 && !worker_.take_heavy_slot(*this)) return;  // see Worker::take_heavy_slot
  if (phase_ == Phase::Closing && (revents & EV_READ)) {
    // Lingering: drop what the client still sends (TLS records too), until it closes.
    char sink[4096];
    ssize_t n = ::recv(client_.fd(), sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) finish();
    last_client_ = ev_now(worker_.loop());
  } else if (client_.can_read(revents)) {
    read_from(client_, up_, client_read_limit());
    if (client_.tls() && !handshake_noted_) note_handshake();
    if (client_io_.priority() != 0 && client_.handshake_started()) client_io_.set_priority(0);  // answered
    last_client_ = ev_now(worker_.loop());
  }
  if (client_.can_write(revents) && down_.pending() && !finished_) {
    bool failed = false;
    write_to(client_, down_, &failed);
    if (failed) finish();
    last_client_ = ev_now(worker_.loop());
  }
  step();
  settle();
}

void HttpSession::on_server_io(int revents) {
  if (phase_ == Phase::Connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(server_conn_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) on_connect_failed(err, "connect");
    else on_connected();
  } else {
    if (server_conn_.can_read(revents)) {
      read_from(server_conn_, down_, std::max(kHighWater, limits_.max_head + kReadChunk));
      last_server_ = ev_now(worker_.loop());
    }
    if (server_conn_ && server_conn_.can_write(revents) && up_.pending()) {
      bool failed = false;
      write_to(server_conn_, up_, &failed);
      if (failed) server_lost("write to server failed");
      last_server_ = ev_now(worker_.loop());
    }
  }
  step();
  settle();
}

// Reads what is there (up to `limit` bytes buffered). Returns whether bytes
// came; sets flow.eof on end of stream or a connection error.
bool HttpSession::read_from(proxy::Stream& from, Flow& flow, size_t limit) {
  bool got = false;
  for (int i = 0; i < 4 && flow.in.size() < limit && !flow.eof; ++i) {
    std::span<char> room = flow.in.prepare(kReadChunk);
    ssize_t n = from.read(room.data(), room.size());
    if (n > 0) {
      flow.in.commit(static_cast<size_t>(n));
      got = true;
      if (static_cast<size_t>(n) < room.size()) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    flow.eof = true;  // 0 (closed) or an error (reset): the source is gone
  }
  return got;
}

// Writes flow.out then the checked body bytes. Returns whether anything was
// written; *failed on a connection error.
bool HttpSession::write_to(proxy::Stream& to, Flow& flow, bool* failed) {
  if (!flushing_) {
    // Sent at the end of the loop iteration (flush()), after every ready
    // event of it has been read (docs/design-notes.md).
    if (flow.pending()) worker_.defer_flush(this);
    return false;
  }
  bool wrote = false;
  while (flow.pending()) {
    iovec iov[2];
    int n_iov = 0;
    if (!flow.out.empty()) iov[n_iov++] = {const_cast<char*>(flow.out.data()), flow.out.size()};
    if (flow.pass > 0) iov[n_iov++] = {const_cast<char*>(flow.in.data()), flow.pass};
    ssize_t n = to.write(iov, n_iov);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) *failed = true;
      break;
    }
    size_t left = static_cast<size_t>(n);
    if (&flow == &down_) response_bytes_ += left;
    size_t from_out = std::min(left, flow.out.size());
    flow.out.consume(from_out);
    left -= from_out;
    flow.in.consume(left);
    flow.pass -= left;
    wrote = true;
  }
  return wrote;
}

// Clears the next body bytes of `flow` for sending. Returns whether any were.
bool HttpSession::frame_body(Flow& flow, bool request) {
  if (flow.body_done) return false;
  size_t avail = flow.in.size() - flow.pass;
  size_t take = 0;
  switch (flow.body) {
    case http::BodyKind::None:
      flow.body_done = true;
      return false;
    case http::BodyKind::Length:
      take = static_cast<size_t>(std::min<uint64_t>(avail, flow.remaining));
      flow.remaining -= take;
      flow.body_done = flow.remaining == 0;
      break;
    case http::BodyKind::Chunked: {
      if (avail == 0) return false;
      http::ChunkedDecoder::Step s = flow.chunked.consume(flow.in.view().substr(flow.pass));
      http::ParseError error = s.error;
      if (request && error == http::ParseError::None && fe_conf().max_body_size > 0 &&
          flow.chunked.payload_bytes() > fe_conf().max_body_size)
        error = http::ParseError::HeadTooLarge;  // stands for "body too large" below
      if (error != http::ParseError::None) {
        bool too_large = s.error == http::ParseError::None;
        TLOG_DEBUG("%s: %s: %s %s body: %s", fe_conf().name.c_str(), peer_.to_string().c_str(),
                   too_large ? "too large" : "bad chunked", request ? "request" : "response",
                   too_large ? "over max_body_size" : http::to_string(error));
        if (!request) {
          server_lost("bad chunked response body");
        } else if (response_head_done_) {
          finish();  // the response is under way: nothing clean can be said
        } else {
          release_server(false);
          answer(too_large ? 413 : http::status_for(error), true);
        }
        return true;
      }
      take = s.consumed;
      flow.body_done = s.done;
      break;
    }
    case http::BodyKind::UntilClose:
      take = avail;
      flow.body_done = flow.eof;
      break;
  }
  flow.pass += take;
  if (request && take > 0) {
    body_sent_any_ = true;
    request_bytes_ += take;
    body_bytes_ += take;
  }
  return take > 0 || flow.body_done;
}

void HttpSession::step() {
  for (int i = 0; i < 16 && step_once(); ++i) {
  }
}

void HttpSession::settle() {
  if (finished_) {
    worker_.session_finished(this);  // destroys *this
    return;
  }
  if (flush_queued) return;  // flush() settles, once the writes are out
  update_watchers();
  arm_timer();
}

void HttpSession::flush() {
  flushing_ = true;
  step();
  flushing_ = false;
  settle();
}

void HttpSession::note_handshake() {
  if (handshake_noted_ || !client_.handshake_done()) return;
  handshake_noted_ = true;
  runtime::TrafficSlot& slot = frontend().state->traffic().slot(worker_.id());
  runtime::bump(slot.tls_handshakes);
  if (SSL_session_reused(client_.ssl()) == 1) runtime::bump(slot.tls_resumed);
}

// A connection that ends before its handshake completed. One that sent no
// handshake byte (a port probe) is only a closed connection.
void HttpSession::note_handshake_failure() {
  note_handshake();
  if (handshake_noted_ || (!client_.handshake_started() && client_.tls_error().empty())) return;
  handshake_noted_ = true;
  runtime::bump(frontend().state->traffic().slot(worker_.id()).tls_failures);
  const char* why = !client_.tls_error().empty() ? client_.tls_error().c_str()
                    : up_.eof                    ? "the client closed the connection"
                                                 : "not completed within timeout_request";
  g_tls_failures.log(base::LogLevel::Info, "%s: %s: TLS handshake failed: %s", fe_conf().name.c_str(),
                      peer_text_.c_str(), why);
}

void HttpSession::finish() {
  if (client_.tls() && !handshake_noted_) note_handshake_failure();
  log_exchange();  // an exchange cut short is logged too
  finished_ = true;
  client_io_.stop();
  server_io_.stop();
  timer_.stop();
}

bool HttpSession::step_once() {
  if (finished_) return false;
  switch (phase_) {
    case Phase::Head:
      if (!up_.in.empty() && parse_request()) return true;
      if (up_.eof) finish();  // closed between requests, or in the middle of a head
      return false;
    case Phase::Connecting:
      return false;
    case Phase::Exchange:
      return step_exchange();
    case Phase::Tunnel:
      return step_tunnel();
    case Phase::Closing:
      return step_closing();
  }
  return false;
}

bool HttpSession::step_exchange() {
  bool moved = frame_body(up_, true);
  if (finished_ || phase_ != Phase::Exchange) return moved;
  if (!response_head_done_ && server_conn_) moved |= parse_response();
  if (finished_ || phase_ != Phase::Exchange) return true;
  if (response_head_done_) moved |= frame_body(down_, false);
  if (finished_ || phase_ != Phase::Exchange) return true;
  bool failed = false;
  if (server_conn_ && up_.pending()) {
    moved |= write_to(server_conn_, up_, &failed);
    if (failed) {
      server_lost("write to server failed");
      return true;
    }
  }
  if (down_.pending()) {
    moved |= write_to(client_, down_, &failed);
    if (failed) {
      finish();
      return false;
    }
  }
  if (server_conn_ && down_.eof && (!response_head_done_ || !down_.body_done)) {
    // The server ended the connection before the response did.
    if (!response_head_done_) server_lost(response_started_ ? "incomplete response head" : "closed before responding");
    else finish();  // mid-body: the client sees the connection end
    return true;
  }
  if (up_.eof && !up_.body_done) {
    finish();  // the client left in the middle of its request
    return false;
  }
  if (up_.body_done && !up_.pending() && response_head_done_ && down_.body_done && !down_.pending()) {
    end_exchange();
    return true;
  }
  return moved;
}

bool HttpSession::step_tunnel() {
  bool moved = frame_body(up_, true) | frame_body(down_, false);
  bool failed = false;
  if (up_.pending()) moved |= write_to(server_conn_, up_, &failed);
  if (down_.pending()) moved |= write_to(client_, down_, &failed);
  if (failed) {
    finish();
    return false;
  }
  bool client_ended = up_.eof && !up_.pending();
  bool server_ended = down_.eof && !down_.pending();
  if (!fe_conf().half_close) {
    // The first side that ends ends the tunnel, once nothing waits to go either way.
    if (!(client_ended || server_ended) || up_.pending() || down_.pending()) return moved;
    finish();
    return false;
  }
  // A side that ended is passed on as a half-close once its bytes are out.
  if (client_ended && !server_shut_) {
    server_conn_.shutdown_write();
    server_shut_ = true;
  }
  if (server_ended && !client_shut_) {
    client_.shutdown_write();
    client_shut_ = true;
  }
  if (server_shut_ && client_shut_) finish();
  return moved;
}

// After Tandem's last answer: flush it, half-close, then read and drop what
// the client still sends until it closes (or kLinger passes), so unread
// request bytes do not make the kernel reset the connection under the answer.
bool HttpSession::step_closing() {
  if (down_.pending()) {
    bool failed = false;
    bool moved = write_to(client_, down_, &failed);
    if (failed) finish();
    return moved && !failed;
  }
  if (!client_shut_) {
    client_.shutdown_write();
    client_shut_ = true;
    phase_started_ = ev_now(worker_.loop());
    if (up_.eof) finish();
  }
  return false;
}

size_t HttpSession::client_read_limit() const {
  size_t head_room = limits_.max_head + kReadChunk;
  if (phase_ == Phase::Head || (phase_ != Phase::Tunnel && up_.body_done)) return head_room;
  return kHighWater;
}

void HttpSession::update_watchers() {
  bool client_read = false;
  bool server_read = false;
  bool server_write = false;
  switch (phase_) {
    case Phase::Head:
    case Phase::Connecting:
    case Phase::Exchange:
    case Phase::Tunnel:
      client_read = !up_.eof && up_.in.size() < client_read_limit();
      break;
    case Phase::Closing:
      break;
  }
  if (server_conn_ && phase_ == Phase::Exchange) {
    server_read = !down_.eof && down_.in.size() < std::max(kHighWater, limits_.max_head + kReadChunk) &&
                  !(response_head_done_ && down_.body_done);
    server_write = up_.pending();
  } else if (phase_ == Phase::Tunnel) {
    server_read = !down_.eof && down_.in.size() < kHighWater;
    server_write = up_.pending();
  }
  // Lingering reads the socket itself (TLS or not): a plain EV_READ.
  bool linger = phase_ == Phase::Closing && client_shut_;
  client_io_.set(client_.fd(), linger ? EV_READ : client_.events(client_read, down_.pending()));
  // TLS plaintext already decrypted announces itself with no socket event.
  if (client_read && client_.buffered()) client_io_.feed(EV_READ);
  if (!server_conn_) server_io_.stop();
  else if (phase_ == Phase::Connecting) server_io_.set(server_conn_.fd(), EV_WRITE);
  else server_io_.set(server_conn_.fd(), server_conn_.events(server_read, server_write));
}

double HttpSession::deadline() const {
  const conf::FrontendConf& fe = fe_conf();
  double client_idle = last_client_ + base::to_seconds(fe.timeout_client);
  double server_idle = last_server_ + base::to_seconds(pool().conf->timeout_server);
  switch (phase_) {
    case Phase::Head:
      if (!up_.in.empty() || first_request_) return head_started_ + base::to_seconds(fe.timeout_request);
      return idle_since_ + base::to_seconds(fe.timeout_keepalive);
    case Phase::Connecting:
      return phase_started_ + base::to_seconds(pool().conf->timeout_connect);
    case Phase::Exchange: {
      double d = !response_head_done_ && up_.body_done ? server_idle : std::min(client_idle, server_idle);
      if (!up_.body_done && fe.min_body_rate > 0) d = std::min(d, next_rate_check_);
      return d;
    }
    case Phase::Tunnel:
      return std::min(client_idle, server_idle);
    case Phase::Closing:
      return client_shut_ ? phase_started_ + kLinger : client_idle;
  }
  return client_idle;
}

// min_body_rate: after a grace period, the request body must have come at
// least that fast on average since the head (slow-POST attacks).
bool HttpSession::body_too_slow(double now) const {
  double elapsed = now - t_begin_;
  if (elapsed < kBodyRateGrace) return false;
  return static_cast<double>(body_bytes_) / elapsed < static_cast<double>(fe_conf().min_body_rate);
}

// Lazy timer (libev's advice for timeouts that move on every event): the
// timer is re-armed only when the deadline comes earlier; when it fires
// early, it sleeps again until the deadline.
void HttpSession::arm_timer() {
  double d = deadline();
  if (timer_at_ != 0 && d >= timer_at_ - 0.001) return;
  double now = ev_now(worker_.loop());
  timer_.start(std::max(d - now, 0.001));
  timer_at_ = d;
}

void HttpSession::on_timer(int) {
  timer_at_ = 0;
  double now = ev_now(worker_.loop());
  if (now < deadline()) return settle();
  switch (phase_) {
    case Phase::Head:
      if (up_.in.empty()) finish();  // idle keep-alive connection (or nothing ever came)
      else refuse(408);
      break;
    case Phase::Connecting:
      on_connect_failed(ETIMEDOUT, "timeout");
      break;
    case Phase::Exchange:
      if (!up_.body_done && fe_conf().min_body_rate > 0 && now >= next_rate_check_) {
        next_rate_check_ = now + kRateCheck;
        if (!body_too_slow(now)) break;
        TLOG_DEBUG("%s: %s: request body slower than min_body_rate", fe_conf().name.c_str(), peer_text_.c_str());
        release_server(false);
        if (response_head_done_) finish();
        else answer(408, true);
      } else if (!response_started_ && up_.body_done && server_conn_) {
        TLOG_DEBUG("%s: %s: no response from %s within timeout_server", fe_conf().name.c_str(),
                   peer_.to_string().c_str(), server_->name().c_str());
        release_server(false);
        answer(504, false);
      } else {
        finish();
      }
      break;
    case Phase::Tunnel:
    case Phase::Closing:
      finish();
      break;
  }
  step();
  settle();
}

}  // namespace tandem::http_proxy
