#include "daemon/proxy/stream.h"

#include <ev.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tandem::proxy {
namespace {

// The largest TLS record's payload: buffers joined beyond it would be split
// into two records anyway.
constexpr size_t kRecordPayload = 16 * 1024;

// The reason of the newest error in OpenSSL's queue, which it then empties
// (a stale error would be taken for the next call's).
std::string take_ssl_error() {
  unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string text = reason != nullptr ? reason : (e != 0 ? "TLS error " + std::to_string(ERR_GET_REASON(e)) : "TLS error");
  ERR_clear_error();
  return text;
}

}  // namespace

void Stream::use_tls(SSL* ssl) {
  ssl_.reset(ssl);
  SSL_set_fd(ssl, fd_.get());
}

void Stream::reset() {
  ssl_.reset();
  fd_.reset();
  read_wants_write_ = write_wants_read_ = broken_ = false;
  tls_error_.clear();
}

ssize_t Stream::read(char* buf, size_t len) {
  if (!ssl_) return ::recv(fd_.get(), buf, len, 0);
  size_t n = 0;
  if (SSL_read_ex(ssl_.get(), buf, len, &n) == 1) {
    read_wants_write_ = false;
    return static_cast<ssize_t>(n);
  }
  return tls_result(true);
}

ssize_t Stream::write(const iovec* iov, int count) {
  if (!ssl_) {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<size_t>(count);
    return ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
  }
  // A head and the start of a body go out as one record, in one send.
  // The bytes already given to a write that would block are at the front of
  // the flow until it succeeds, so a retry starts with the same bytes, as
  // OpenSSL requires (the buffer may move: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
  const void* data = iov[0].iov_base;
  size_t len = iov[0].iov_len;
  if (count == 2 && len < kRecordPayload) {
    size_t more = std::min(iov[1].iov_len, kRecordPayload - len);
    coalesce_.assign(static_cast<const char*>(iov[0].iov_base), len);
    coalesce_.append(static_cast<const char*>(iov[1].iov_base), more);
    data = coalesce_.data();
    len = coalesce_.size();
  }
  size_t n = 0;
  if (SSL_write_ex(ssl_.get(), data, len, &n) == 1) {
    write_wants_read_ = false;
    return static_cast<ssize_t>(n);
  }
  return tls_result(false);
}

ssize_t Stream::tls_result(bool reading) {
  int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), 0)) {
    case SSL_ERROR_WANT_READ:
      (reading ? read_wants_write_ : write_wants_read_) = !reading;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      (reading ? read_wants_write_ : write_wants_read_) = reading;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:  // close_notify (or, with SSL_OP_IGNORE_UNEXPECTED_EOF, a bare close)
      if (reading) return 0;
      errno = EPIPE;
      return -1;
    case SSL_ERROR_SYSCALL:
      broken_ = true;
      ERR_clear_error();
      if (saved_errno == 0 && reading) return 0;
      errno = saved_errno != 0 ? saved_errno : EPIPE;
      return -1;
    default:  // SSL_ERROR_SSL: a protocol error (bad bytes, version, cipher, alert)
      broken_ = true;
      tls_error_ = take_ssl_error();
      errno = EPROTO;
      return -1;
  }
}

void Stream::shutdown_write() {
  // After a fatal TLS error OpenSSL forbids SSL_shutdown (and there is no
  // session to close). Otherwise close_notify is sent and not waited for.
  if (ssl_ && !broken_ && handshake_done()) {
    if (SSL_shutdown(ssl_.get()) < 0) ERR_clear_error();
  }
  ::shutdown(fd_.get(), SHUT_WR);
}

int Stream::events(bool want_read, bool want_write) const {
  int ev = 0;
  if (want_read) ev |= read_wants_write_ ? EV_WRITE : EV_READ;
  if (want_write) ev |= write_wants_read_ ? EV_READ : EV_WRITE;
  return ev;
}

bool Stream::can_read(int revents) const { return (revents & (read_wants_write_ ? EV_WRITE : EV_READ)) != 0; }

bool Stream::can_write(int revents) const {
  return (revents & (write_wants_read_ ? EV_READ : EV_WRITE)) != 0;
}

}  // namespace tandem::proxy
