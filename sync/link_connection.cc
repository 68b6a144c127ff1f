#include "sync/link_connection.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "base/openssl_error.h"
#include "base/socket_bio.h"

namespace tandem::sync {

namespace {

constexpr size_t kReadChunk = 16 * 1024;  // one TLS record
constexpr int kMaxReadsPerEvent = 64;     // 1 MiB, then let other watchers run
constexpr size_t kMaxWriteChunk = 1 << 30;

}  // namespace

const char* to_string(LinkConnection::Failure f) {
  switch (f) {
    case LinkConnection::Failure::Connect: return "connect";
    case LinkConnection::Failure::Handshake: return "handshake";
    case LinkConnection::Failure::Protocol: return "protocol";
    case LinkConnection::Failure::Closed: return "closed";
  }
  return "unknown";
}

LinkConnection::LinkConnection(struct ev_loop* loop, base::UniqueFd fd, SslPtr ssl, base::SocketAddress remote,
                               bool connecting, base::Millis handshake_timeout, LinkStats& stats, Owner& owner)
    : loop_(loop),
      fd_(std::move(fd)),
      ssl_(std::move(ssl)),
      remote_(remote),
      phase_(connecting ? Phase::Connecting : Phase::Handshaking),
      handshake_timeout_(handshake_timeout),
      stats_(stats),
      owner_(owner),
      io_(loop, &base::member_callback<LinkConnection, &LinkConnection::on_io>, this),
      deadline_(loop, &base::member_callback<LinkConnection, &LinkConnection::on_deadline>, this) {
  base::attach_socket(ssl_.get(), fd_.get());
}

LinkConnection::~LinkConnection() { close(nullptr); }

void LinkConnection::start() {
  deadline_.start(base::to_seconds(handshake_timeout_));
  update_events();
  // A connect(2) that completed at once, or an accepted socket: begin now.
  if (phase_ == Phase::Handshaking) io_.feed(EV_WRITE);
}

void LinkConnection::send(std::string_view bytes) {
  if (phase_ != Phase::Up || bytes.empty()) return;
  queue_.append(bytes);
  update_events();
  io_.feed(EV_WRITE);  // write in this loop iteration, from the loop, not from inside send()
}

void LinkConnection::close(const Goodbye* goodbye) {
  if (phase_ == Phase::Closed) return;
  io_.stop();
  deadline_.stop();
  if (phase_ == Phase::Up && !ssl_broken_) {
    std::string ignored;
    if (goodbye != nullptr && flush(&ignored) == IoResult::Ok) {
      std::string bytes;
      if (encode_goodbye(*goodbye, &bytes).ok()) {
        queue_.append(bytes);
        flush(&ignored);
      }
    }
    if (!ssl_broken_) SSL_shutdown(ssl_.get());  // close_notify, best effort; no waiting for the peer's
    ERR_clear_error();
  }
  phase_ = Phase::Closed;
  ssl_.reset();
  fd_.reset();
  queue_.release();
}

void LinkConnection::on_io(int revents) {
  switch (phase_) {
    case Phase::Connecting:
      finish_connect();
      return;
    case Phase::Handshaking:
      handshake();
      return;
    case Phase::Closed:
      return;
    case Phase::Up:
      break;
  }
  if (!queue_.empty()) {
    std::string why;
    if (flush(&why) == IoResult::Error) return fail(Failure::Closed, why);
  }
  if ((revents & EV_READ) || (read_wants_write_ && (revents & EV_WRITE))) {
    read_some();
    if (phase_ != Phase::Up) return;
  }
  update_events();
}

void LinkConnection::on_deadline(int) {
  if (phase_ == Phase::Connecting) return fail(Failure::Connect, "connect timed out");
  if (phase_ == Phase::Handshaking) return fail(Failure::Handshake, "handshake timed out");
}

void LinkConnection::finish_connect() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS || err == EALREADY) return;  // a spurious wake-up
  if (err != 0) return fail(Failure::Connect, std::string("connect: ") + std::strerror(err));
  phase_ = Phase::Handshaking;
  handshake();
}

void LinkConnection::handshake() {
  ERR_clear_error();
  errno = 0;
  int rc = SSL_do_handshake(ssl_.get());
  if (rc != 1) {
    int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      handshake_wants_ = err == SSL_ERROR_WANT_READ ? EV_READ : EV_READ | EV_WRITE;
      update_events();
      return;
    }
    return fail(Failure::Handshake, ssl_failure(rc, "handshake"));
  }
  // Belt and braces: the contexts allow nothing else, but an up link must be TLS 1.3 over the PSK.
  if (SSL_version(ssl_.get()) != TLS1_3_VERSION || SSL_session_reused(ssl_.get()) != 1) {
    return fail(Failure::Handshake, "handshake completed without the pre-shared key");
  }
  phase_ = Phase::Up;
  deadline_.stop();
  owner_.on_established(*this);
  if (phase_ != Phase::Up) return;
  // The peer's first frames may have come with its last handshake flight.
  read_some();
  if (phase_ != Phase::Up) return;
  update_events();
}

void LinkConnection::read_some() {
  read_wants_write_ = false;
  char buf[kReadChunk];
  for (int i = 0; i < kMaxReadsPerEvent; ++i) {
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(ssl_.get(), buf, sizeof(buf));
    if (n > 0) {
      stats_.bytes_in += static_cast<uint64_t>(n);
      decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
      if (!deliver_frames()) return;
      continue;
    }
    int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_WANT_READ) return;
    if (err == SSL_ERROR_WANT_WRITE) {
      read_wants_write_ = true;
      return;
    }
    if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
      if (err != SSL_ERROR_ZERO_RETURN) ssl_broken_ = true;
      return end_of_stream();
    }
    return fail(Failure::Closed, ssl_failure(n, "read"));
  }
  // Bytes TLS holds already raise no readiness event: come back for them.
  if (SSL_has_pending(ssl_.get())) io_.feed(EV_READ);
}

bool LinkConnection::deliver_frames() {
  for (;;) {
    Frame frame;
    DecodeStatus status = decoder_.next(&frame);
    if (status == DecodeStatus::NeedMore) return true;
    if (status == DecodeStatus::Error) {
      fail(Failure::Protocol, decoder_.error().to_string());
      return false;
    }
    owner_.on_frame(*this, std::move(frame));
    if (phase_ != Phase::Up) return false;  // the owner closed this connection
  }
}

void LinkConnection::end_of_stream() {
  if (decoder_.buffered() > 0) {
    return fail(Failure::Protocol, "truncated: the connection ended inside a frame (" +
                                       std::to_string(decoder_.buffered()) + " bytes of it received)");
  }
  fail(Failure::Closed, "the peer closed the connection");
}

LinkConnection::IoResult LinkConnection::flush(std::string* why) {
  write_wants_read_ = false;
  while (!queue_.empty()) {
    ERR_clear_error();
    errno = 0;
    int len = static_cast<int>(std::min(queue_.size(), kMaxWriteChunk));
    int n = SSL_write(ssl_.get(), queue_.data(), len);
    if (n > 0) {
      queue_.consume(static_cast<size_t>(n));
      stats_.bytes_out += static_cast<uint64_t>(n);
      continue;
    }
    int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_WANT_WRITE) return IoResult::Wait;
    if (err == SSL_ERROR_WANT_READ) {
      write_wants_read_ = true;
      return IoResult::Wait;
    }
    *why = ssl_failure(n, "write");
    return IoResult::Error;
  }
  return IoResult::Ok;
}

void LinkConnection::update_events() {
  int events = 0;
  switch (phase_) {
    case Phase::Connecting: events = EV_WRITE; break;
    case Phase::Handshaking: events = handshake_wants_; break;
    case Phase::Up:
      events = EV_READ;
      if ((!queue_.empty() && !write_wants_read_) || read_wants_write_) events |= EV_WRITE;
      break;
    case Phase::Closed: break;
  }
  io_.set(fd_.get(), events);
}

void LinkConnection::fail(Failure failure, const std::string& why) {
  owner_.on_failed(*this, failure, why);
  close(nullptr);  // in case the owner did not
}

std::string LinkConnection::ssl_failure(int rc, const char* what) {
  int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL) ssl_broken_ = true;
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    if (errno == 0) return std::string(what) + ": the peer closed the connection";
    return std::string(what) + ": " + std::strerror(errno);
  }
  return std::string(what) + ": " + base::take_openssl_error(base::ErrorEnd::Last);
}

}  // namespace tandem::sync
