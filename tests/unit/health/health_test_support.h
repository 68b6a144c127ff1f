#pragma once
// Test helpers for the health checks: a private libev loop driven with a
// deadline, listeners on 127.0.0.1 port 0, and a tiny HTTP responder that
// runs on the same loop (so everything stays single-threaded).

#include <arpa/inet.h>
#include <ev.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"

namespace tandem::health::testing {

// A libev loop owned by one test. Declare it first so it outlives every
// watcher of the test.
class TestLoop {
 public:
  TestLoop() : loop_(ev_loop_new(EVFLAG_AUTO)) {}
  ~TestLoop() { ev_loop_destroy(loop_); }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  struct ev_loop* get() const { return loop_; }

  // Runs the loop until pred() holds or `limit` passed; returns pred().
  // A 10ms ticker keeps each ev_run(EVRUN_ONCE) short, so the deadline is
  // checked even when nothing else happens.
  template <typename Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    base::TimerWatcher ticker(loop_, &noop, nullptr);
    ticker.start(0.01, 0.01);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) ev_run(loop_, EVRUN_ONCE);
    return pred();
  }

  // Runs the loop for `d` (to show that something does NOT happen).
  void run_for(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    run_until([&] { return std::chrono::steady_clock::now() >= until; }, d + std::chrono::milliseconds(1000));
  }

 private:
  static void noop(void*, int) {}
  struct ev_loop* loop_;
};

inline base::SocketAddress loopback_any_port() {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return base::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

inline base::SocketAddress local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return base::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
}

// A socket listening on 127.0.0.1, port chosen by the kernel. The kernel
// completes handshakes by itself, so it is enough for TCP checks and as a
// server that "accepts and never answers".
inline base::UniqueFd listen_loopback(int backlog = 16) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const auto addr = loopback_any_port();
  if (!fd || ::bind(fd.get(), addr.get(), addr.size()) != 0 || ::listen(fd.get(), backlog) != 0) return {};
  return fd;
}

// An address where nothing listens: bound once to learn a free port, then
// closed, so a connect there is refused.
inline base::SocketAddress closed_port() {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto addr = loopback_any_port();
  ::bind(fd.get(), addr.get(), addr.size());
  return local_address(fd.get());
}

// Open descriptors of this process (for leak checks).
inline size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// An HTTP server on the test loop. Each accepted connection reads the
// request head, records it, then (depending on the mode) answers with
// `chunks` (sent 20ms apart), closes without answering, or stays silent.
class Responder {
 public:
  enum class Mode { Answer, CloseAfterRequest, Silent };

  Responder(struct ev_loop* loop, Mode mode, std::vector<std::string> chunks = {})
      : loop_(loop),
        mode_(mode),
        chunks_(std::move(chunks)),
        listen_fd_(listen_loopback()),
        listen_io_(loop, &base::member_callback<Responder, &Responder::on_accept>, this) {
    listen_io_.set(listen_fd_.get(), EV_READ);
  }

  base::SocketAddress address() const { return local_address(listen_fd_.get()); }
  int accepted() const { return accepted_; }
  const std::string& last_request() const { return last_request_; }
  // Accepted connections whose descriptor is still open here.
  int open_connections() const {
    int n = 0;
    for (const auto& c : conns_) n += c->fd.valid() ? 1 : 0;
    return n;
  }

 private:
  struct Conn {
    Conn(Responder* r, int fd)
        : owner(r),
          fd(fd),
          io(r->loop_, &base::member_callback<Conn, &Conn::on_io>, this),
          timer(r->loop_, &base::member_callback<Conn, &Conn::on_timer>, this) {
      io.set(fd, EV_READ);
    }
    void on_io(int) {
      char buf[2048];
      const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n <= 0) return close();
      request.append(buf, static_cast<size_t>(n));
      if (request.find("\r\n\r\n") == std::string::npos) return;
      owner->last_request_ = request;
      switch (owner->mode_) {
        case Mode::Answer: return on_timer(0);
        case Mode::CloseAfterRequest: return close();
        case Mode::Silent: return;
      }
    }
    void on_timer(int) {
      if (next_chunk == owner->chunks_.size()) return close();
      const std::string& c = owner->chunks_[next_chunk++];
      (void)::send(fd.get(), c.data(), c.size(), MSG_NOSIGNAL);
      timer.start(next_chunk == owner->chunks_.size() ? 0.0 : 0.02);
    }
    void close() {
      io.stop();
      timer.stop();
      fd.reset();
    }
    Responder* owner;
    base::UniqueFd fd;
    base::IoWatcher io;
    base::TimerWatcher timer;
    std::string request;
    size_t next_chunk = 0;
  };

  void on_accept(int) {
    for (;;) {
      const int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      ++accepted_;
      conns_.push_back(std::make_unique<Conn>(this, fd));
    }
  }

  struct ev_loop* loop_;
  Mode mode_;
  std::vector<std::string> chunks_;
  base::UniqueFd listen_fd_;
  base::IoWatcher listen_io_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int accepted_ = 0;
  std::string last_request_;
};

}  // namespace tandem::health::testing
