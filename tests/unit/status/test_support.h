#pragma once
// Helpers for the status socket tests: a temporary directory, a libev loop
// on its own thread (the server lives there; tests talk to it as clients
// and run code on it with run()), and a blocking raw client with deadlines.

#include <ev.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "base/event_queue.h"
#include "base/unique_fd.h"

namespace tandem::status::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tandem-status-test.XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A libev loop running on a thread of its own until destroyed.
class LoopThread {
 public:
  LoopThread() : loop_(ev_loop_new(EVFLAG_AUTO)) {
    tasks_ = std::make_unique<base::TaskQueue>(loop_, [](base::Task&& t) { t(); });
    thread_ = std::thread([this] { ev_run(loop_, 0); });
  }
  ~LoopThread() {
    run([this] { ev_break(loop_, EVBREAK_ALL); });
    thread_.join();
    tasks_.reset();
    ev_loop_destroy(loop_);
  }
  struct ev_loop* loop() const { return loop_; }

  // Runs `fn` on the loop thread and waits for it.
  template <typename Fn>
  auto run(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    tasks_->post([&task] { task(); });
    return result.get();
  }

 private:
  struct ev_loop* loop_;
  std::unique_ptr<base::TaskQueue> tasks_;
  std::thread thread_;
};

using Clock = std::chrono::steady_clock;

// Polls `cond` (e.g. through LoopThread::run) until true or the deadline.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

// A blocking client socket with deadlines, for speaking raw bytes.
class RawClient {
 public:
  explicit RawClient(const std::string& path, int rcvbuf = 0) {
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (rcvbuf > 0) ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    connected_ = ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_.get(); }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }
  void close() { fd_.reset(); }

  // Reads until `buffer()` contains `needle` (or EOF, or the deadline).
  bool read_until(std::string_view needle, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    return read_while([&] { return buf_.find(needle) == std::string::npos; }, limit);
  }
  // Reads until the peer closes; true if it did before the deadline.
  bool read_to_eof(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    read_while([] { return true; }, limit);
    return eof_;
  }
  // Reads at most `max` bytes if some arrive within `limit`.
  size_t read_some(size_t max, std::chrono::milliseconds limit) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return 0;
    std::string chunk(max, '\0');
    const ssize_t n = ::recv(fd_.get(), chunk.data(), max, 0);
    if (n <= 0) {
      eof_ = true;
      return 0;
    }
    buf_.append(chunk.data(), static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
  std::string& buffer() { return buf_; }
  bool eof() const { return eof_; }

 private:
  bool read_while(const std::function<bool()>& more, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (more() && !eof_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
    return !more();
  }

  base::UniqueFd fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

}  // namespace tandem::status::testing
