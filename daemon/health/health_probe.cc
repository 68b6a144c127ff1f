#include "daemon/health/health_probe.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "daemon/health/http_status_line.h"
#include "daemon/tls/pool_tls.h"

namespace tandem::health {
namespace {

// "connection refused", "no route to host": strerror's text with a lower-case
// start, to read well after "down: ...". strerrordesc_np is thread-safe.
std::string errno_text(int err) {
  const char* desc = strerrordesc_np(err);
  std::string s = desc != nullptr ? desc : "error " + std::to_string(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// "500ms", "2s".
std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() >= 1000 && d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

std::string build_request(const CheckParams& p) {
  std::string r = "GET ";
  r += p.http_path.empty() ? "/" : p.http_path;
  r += " HTTP/1.1\r\nHost: ";
  r += p.host.empty() ? p.target.to_string() : p.host;
  r += "\r\nUser-Agent: tandem-health\r\nConnection: close\r\n\r\n";
  return r;
}

}  // namespace

HealthProbe::HealthProbe(struct ev_loop* loop, DoneCallback done, void* owner)
    : done_(done),
      owner_(owner),
      io_(loop, &base::member_callback<HealthProbe, &HealthProbe::on_io>, this),
      timer_(loop, &base::member_callback<HealthProbe, &HealthProbe::on_timeout>, this) {}

void HealthProbe::begin(const CheckParams& params) {
  if (running()) return;  // precondition broken: keep the running probe, never two sockets
  kind_ = params.kind;
  expect_status_ = params.expect_status;
  timeout_ = std::max(params.timeout, std::chrono::milliseconds(1));
  request_ = kind_ == CheckKind::Http ? build_request(params) : std::string();
  sent_ = 0;
  received_len_ = 0;
  started_ = std::chrono::steady_clock::now();
  phase_ = Phase::Connecting;
  timer_.start(std::chrono::duration<double>(timeout_).count());

  const sockaddr* sa = params.target.get();
  conn_ = proxy::Stream(base::UniqueFd(::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
  if (!conn_) return finish(false, "socket: " + errno_text(errno));
  if (kind_ == CheckKind::Http && params.tls) {
    SSL* ssl = params.tls->new_ssl(params.server_name);
    if (ssl == nullptr) return finish(false, "TLS: cannot create a session");
    conn_.use_tls(ssl);
  }
  // Close with a reset rather than a FIN: a check every second per server
  // would otherwise leave a TIME_WAIT socket (and a local port) behind each
  // time on this node. Backends see an aborted idle connection, as with
  // HAProxy's checks. Best effort: without it the close is merely clean.
  const linger no_linger{1, 0};
  (void)::setsockopt(conn_.fd(), SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);

  if (::connect(conn_.fd(), sa, params.target.size()) == 0) return on_connected();
  if (errno != EINPROGRESS) return finish(false, errno_text(errno));
  io_.set(conn_.fd(), EV_WRITE);
}

void HealthProbe::cancel() { release(); }

void HealthProbe::on_io(int /*revents*/) {
  switch (phase_) {
    case Phase::Connecting: {
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(conn_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err == EINPROGRESS || err == EALREADY) return;  // spurious wake-up
      if (err != 0) return finish(false, errno_text(err));
      return on_connected();
    }
    case Phase::Sending: return try_send();
    case Phase::Receiving: return try_receive();
    case Phase::Idle: io_.stop(); return;
  }
}

void HealthProbe::on_connected() {
  if (kind_ == CheckKind::Tcp) return finish(true, "ok");
  phase_ = Phase::Sending;
  try_send();
}

void HealthProbe::try_send() {
  while (sent_ < request_.size()) {
    // With TLS the first write drives the handshake.
    iovec iov{request_.data() + sent_, request_.size() - sent_};
    const ssize_t n = conn_.write(&iov, 1);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      io_.set(conn_.fd(), conn_.events(false, true));
      return;
    }
    return finish(false, "sending the request: " + failure_text(n < 0 ? errno : EPIPE));
  }
  phase_ = Phase::Receiving;
  io_.set(conn_.fd(), conn_.events(true, false));
}

void HealthProbe::try_receive() {
  for (;;) {
    const ssize_t n = conn_.read(received_.data() + received_len_, received_.size() - received_len_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        io_.set(conn_.fd(), conn_.events(true, false));  // TLS may need the socket writable
        return;
      }
      return finish(false, failure_text(errno));
    }
    if (n == 0) {
      return finish(false, received_len_ == 0 ? "connection closed before a response"
                                              : "connection closed before a complete status line");
    }
    received_len_ += static_cast<size_t>(n);
    const StatusLineParse p = parse_status_line(std::string_view(received_.data(), received_len_));
    switch (p.outcome) {
      case StatusLineParse::Outcome::Bad: return finish(false, "bad HTTP response");
      case StatusLineParse::Outcome::Done:
        if (p.status == expect_status_) return finish(true, "ok");
        return finish(false,
                      "HTTP " + std::to_string(p.status) + ", expected " + std::to_string(expect_status_));
      case StatusLineParse::Outcome::NeedMore:
        if (received_len_ == received_.size()) return finish(false, "bad HTTP response (status line too long)");
        break;
    }
  }
}

// errno's text, or OpenSSL's reason for a TLS failure.
std::string HealthProbe::failure_text(int error) const {
  if (error == EPROTO && !conn_.tls_error().empty()) return "TLS: " + conn_.tls_error();
  return errno_text(error);
}

void HealthProbe::on_timeout(int /*revents*/) {
  const char* where = phase_ == Phase::Connecting ? "while connecting"
                      : phase_ == Phase::Sending  ? "while sending the request"
                                                  : "waiting for the response";
  finish(false, "timeout after " + duration_text(timeout_) + " " + where);
}

void HealthProbe::release() {
  io_.stop();
  timer_.stop();
  conn_.reset();
  phase_ = Phase::Idle;
}

void HealthProbe::finish(bool ok, std::string reason) {
  CheckResult result{ok, std::move(reason),
                     std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                           started_)};
  release();
  // Last action: the owner may begin() again or destroy this probe.
  done_(owner_, result);
}

}  // namespace tandem::health
