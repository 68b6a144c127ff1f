#include "sync/link.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tandem::sync {

namespace {

constexpr int kAcceptsPerEvent = 16;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// `a` with port 0: the dialer's source address.
base::SocketAddress without_port(const base::SocketAddress& a) {
  sockaddr_storage ss{};
  std::memcpy(&ss, a.get(), a.size());
  if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&ss)->sin_port = 0;
  if (ss.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = 0;
  return base::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), a.size());
}

// Frames in `bytes`, by walking their headers (send() takes whole frames).
uint64_t count_frames(std::string_view bytes) {
  uint64_t n = 0;
  while (bytes.size() >= kHeaderSize) {
    auto b = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])); };
    uint64_t len = b(4) << 24 | b(5) << 16 | b(6) << 8 | b(7);
    if (len > bytes.size() - kHeaderSize) break;
    ++n;
    bytes.remove_prefix(kHeaderSize + len);
  }
  return n;
}

}  // namespace

bool address_less(const base::SocketAddress& a, const base::SocketAddress& b) {
  if (a.family() != b.family()) return a.family() < b.family();
  if (a.address_bytes() != b.address_bytes()) return a.address_bytes() < b.address_bytes();
  return a.port() < b.port();
}

Link::Link(struct ev_loop* loop, LinkOptions options, LinkEvents events)
    : loop_(loop),
      options_(std::move(options)),
      events_(std::move(events)),
      backoff_(options_.retry_min),
      jitter_(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())),
      listen_io_(loop, &base::member_callback<Link, &Link::on_accept>, this),
      retry_timer_(loop, &base::member_callback<Link, &Link::on_retry>, this),
      reap_timer_(loop, &base::member_callback<Link, &Link::on_reap>, this) {}

Link::~Link() {
  stopped_ = true;  // connections closing below report nothing
  listen_io_.stop();
  retry_timer_.stop();
  reap_timer_.stop();
  up_.reset();
  dialing_.reset();
  pending_.clear();
  retired_.clear();
}

base::Status Link::start() {
  if (started_) return base::make_error("the sync link is started already");
  started_ = true;
  if (options_.listen.family() != options_.peer.family()) {
    return base::make_error("listen and peer must both be IPv4 or both IPv6");
  }
  if (options_.listen == options_.peer) return base::make_error("listen and peer are the same address");
  auto contexts = make_psk_contexts(options_.key);
  if (!contexts.ok()) return contexts.error();
  contexts_ = std::move(contexts.value());
  dialer_ = address_less(options_.listen, options_.peer);
  if (base::Status st = listen(); !st.ok()) return st;
  TLOG_INFO("sync: listening on %s; %s %s", bound_.to_string().c_str(),
            dialer_ ? "dialing" : "waiting for", options_.peer.to_string().c_str());
  if (dialer_) dial();
  return {};
}

base::Status Link::listen() {
  const base::SocketAddress& at = options_.listen;
  base::UniqueFd fd(socket(at.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::make_error(errno_text("socket"));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd.get(), at.get(), at.size()) != 0) return base::make_error(errno_text(("bind " + at.to_string()).c_str()));
  if (::listen(fd.get(), 16) != 0) return base::make_error(errno_text("listen"));
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  bound_ = base::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  listen_fd_ = std::move(fd);
  listen_io_.set(listen_fd_.get(), EV_READ);
  return {};
}

void Link::stop(GoodbyeReason reason, std::string text) {
  if (stopped_) return;
  stopped_ = true;
  listen_io_.stop();
  retry_timer_.stop();
  listen_fd_.reset();
  Goodbye goodbye{reason, std::move(text)};
  if (up_) {
    TLOG_NOTICE("sync: link with %s stopped: %s", stats_.peer_address.c_str(), goodbye.text.c_str());
    retire(*up_, &goodbye);
  }
  if (dialing_) retire(*dialing_, nullptr);
  while (!pending_.empty()) retire(*pending_.back(), nullptr);
  stats_.peer_address.clear();
  deferred_down_.reset();
}

bool Link::send(std::string_view frames) {
  if (!up_ || stopped_) return false;
  if (up_->queued() + frames.size() > options_.max_send_queue) return false;
  stats_.frames_out += count_frames(frames);
  up_->send(frames);
  return true;
}

size_t Link::queued() const { return up_ ? up_->queued() : 0; }

void Link::reset(GoodbyeReason reason, std::string text) {
  if (!up_ || stopped_) return;
  std::string why = "reset here: " + std::string(to_string(reason)) + (text.empty() ? "" : ": " + text);
  Goodbye goodbye{reason, std::move(text)};
  retire(*up_, &goodbye);
  stats_.last_error = why;
  stats_.peer_address.clear();
  TLOG_WARN("sync: link down: %s", why.c_str());
  deferred_down_ = why;  // from the loop: never re-enter the owner from inside its own call
  reap_timer_.start(0);
  backoff_ = options_.retry_min;
  if (dialer_) schedule_retry();
}

void Link::on_accept(int) {
  for (int i = 0; i < kAcceptsPerEvent; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd = accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
        refusal_log_.log(base::LogLevel::Warning, "sync: accept: %s", std::strerror(errno));
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    accept_one(base::UniqueFd(fd), base::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len));
  }
}

void Link::accept_one(base::UniqueFd fd, const base::SocketAddress& remote) {
  if (dialer_) return refused(remote.to_string(), "this node dials its peer: incoming connection closed");
  if (pending_.size() >= kMaxPending) return refused(remote.to_string(), "too many handshakes in progress");
  SslPtr ssl(SSL_new(contexts_.server.get()));
  if (!ssl) return refused(remote.to_string(), "SSL_new failed");
  SSL_set_accept_state(ssl.get());
  set_nodelay(fd.get());
  pending_.push_back(std::make_unique<LinkConnection>(loop_, std::move(fd), std::move(ssl), remote, false,
                                                      options_.handshake_timeout, stats_, as_owner()));
  pending_.back()->start();
}

void Link::dial() {
  if (stopped_ || dialing_ || up_) return;
  const base::SocketAddress& peer = options_.peer;
  base::UniqueFd fd(socket(peer.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  std::string error;
  if (!fd) {
    error = errno_text("socket");
  } else if (base::SocketAddress source = without_port(options_.listen); bind(fd.get(), source.get(), source.size()) != 0) {
    error = errno_text(("bind " + source.to_string()).c_str());
  } else if (connect(fd.get(), peer.get(), peer.size()) != 0 && errno != EINPROGRESS) {
    error = errno_text("connect");
  }
  SslPtr ssl;
  if (error.empty() && !(ssl = SslPtr(SSL_new(contexts_.client.get())))) error = "SSL_new failed";
  if (!error.empty()) {
    stats_.last_error = error;
    refusal_log_.log(base::LogLevel::Warning, "sync: cannot connect to %s: %s", peer.to_string().c_str(), error.c_str());
    return schedule_retry();
  }
  set_nodelay(fd.get());
  SSL_set_connect_state(ssl.get());
  // Connecting even if connect(2) returned 0: the SO_ERROR check then passes at once.
  dialing_ = std::make_unique<LinkConnection>(loop_, std::move(fd), std::move(ssl), peer, true,
                                              options_.handshake_timeout, stats_, as_owner());
  dialing_->start();
}

void Link::on_retry(int) { dial(); }

void Link::schedule_retry() {
  if (stopped_ || !dialer_) return;
  std::uniform_real_distribution<double> spread(0.8, 1.2);
  double delay = base::to_seconds(backoff_) * spread(jitter_);
  backoff_ = std::min(backoff_ * 2, options_.retry_max);
  retry_timer_.start(delay);
}

void Link::on_reap(int) {
  retired_.clear();
  deliver_deferred_down();
}

void Link::deliver_deferred_down() {
  if (deferred_down_ && !stopped_) {
    std::string why = std::move(*deferred_down_);
    deferred_down_.reset();
    if (events_.on_down) events_.on_down(why);
  }
}

// Takes `c` out of its slot, closes it (with GOODBYE if given) and keeps it
// until the loop frees it: its own callback may be running.
void Link::retire(LinkConnection& c, const Goodbye* goodbye) {
  ConnPtr owned;
  if (up_.get() == &c) {
    owned = std::move(up_);
  } else if (dialing_.get() == &c) {
    owned = std::move(dialing_);
  } else {
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const ConnPtr& p) { return p.get() == &c; });
    if (it == pending_.end()) return c.close(goodbye);  // retired already
    owned = std::move(*it);
    pending_.erase(it);
  }
  owned->close(goodbye);
  retired_.push_back(std::move(owned));
  if (!stopped_) reap_timer_.start(0);
}

void Link::on_established(LinkConnection& c) {
  std::string remote = c.remote().to_string();
  if (up_) {  // the peer restarted, or its old connection is not dead yet: the new one wins
    retire(*up_, nullptr);
    went_down("replaced by a new connection from " + remote);
    if (stopped_ || c.phase() != LinkConnection::Phase::Up) return;
  }
  ConnPtr owned;
  if (dialing_.get() == &c) {
    owned = std::move(dialing_);
  } else {
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const ConnPtr& p) { return p.get() == &c; });
    if (it == pending_.end()) return;
    owned = std::move(*it);
    pending_.erase(it);
  }
  deliver_deferred_down();  // an on_down owed comes before this on_up
  if (stopped_ || c.phase() != LinkConnection::Phase::Up) return;
  up_ = std::move(owned);
  ++stats_.connects;
  stats_.peer_address = remote;
  stats_.up_since = std::chrono::steady_clock::now();
  TLOG_NOTICE("sync: link up with %s (%s)", remote.c_str(), dialer_ ? "dialed" : "accepted");
  if (events_.on_up) events_.on_up();
}

void Link::on_frame(LinkConnection& c, Frame&& frame) {
  if (up_.get() != &c || stopped_) return;
  ++stats_.frames_in;
  if (events_.on_frame) events_.on_frame(std::move(frame));
}

void Link::on_failed(LinkConnection& c, LinkConnection::Failure failure, const std::string& why) {
  std::string remote = c.remote().to_string();
  bool was_up = up_.get() == &c;
  switch (failure) {
    case LinkConnection::Failure::Connect:
      stats_.last_error = why;
      refusal_log_.log(base::LogLevel::Warning, "sync: cannot connect to %s: %s", remote.c_str(), why.c_str());
      retire(c, nullptr);
      break;
    case LinkConnection::Failure::Handshake:
      retire(c, nullptr);
      refused(remote, why);
      break;
    case LinkConnection::Failure::Protocol: {
      ++stats_.protocol_errors;
      refusal_log_.log(base::LogLevel::Warning, "sync: protocol error from %s: %s", remote.c_str(), why.c_str());
      Goodbye goodbye{GoodbyeReason::ProtocolError, why.substr(0, kMaxTextSize)};
      retire(c, &goodbye);
      break;
    }
    case LinkConnection::Failure::Closed:
      retire(c, nullptr);
      break;
  }
  if (was_up) went_down(failure == LinkConnection::Failure::Protocol ? "protocol error: " + why : why);
  if (!up_ && !dialing_) schedule_retry();
}

// The up connection ended (it is retired already): status, log, on_down.
void Link::went_down(const std::string& why) {
  stats_.last_error = why;
  stats_.peer_address.clear();
  TLOG_WARN("sync: link down: %s", why.c_str());
  // A connection that stayed up a while resets the back-off; one that
  // keeps failing at once reconnects slower and slower.
  if (std::chrono::steady_clock::now() - stats_.up_since >= options_.retry_max) backoff_ = options_.retry_min;
  deliver_deferred_down();
  if (events_.on_down && !stopped_) events_.on_down(why);
}

void Link::refused(const std::string& remote, const std::string& why) {
  ++stats_.handshake_failures;
  stats_.last_error = "handshake with " + remote + ": " + why;
  refusal_log_.log(base::LogLevel::Warning, "sync: refused %s: %s", remote.c_str(), why.c_str());
}

}  // namespace tandem::sync
