#pragma once
// One health probe in flight: a non-blocking connect to the target and, for
// HTTP checks, one request and its status line (over TLS for a server with
// `tls`: the handshake is part of the probe and of its timeout). The I/O half of the health
// checks; HealthChecker decides when to probe, http_status_line parses.
//
// Internal to daemon/health (the daemon uses HealthChecker).
//
// Threading: belongs to the loop given at construction; only that loop's
// thread may call it. Never blocks: readiness comes from libev.
// Resources: the socket (SOCK_NONBLOCK | SOCK_CLOEXEC) lives only while a
// probe runs; it is closed when the probe finishes, is cancelled, or the
// HealthProbe is destroyed.

#include <array>
#include <chrono>
#include <string>

#include "base/ev_watch.h"
#include "daemon/proxy/stream.h"
#include "daemon/health/check_params.h"
#include "daemon/health/check_result.h"

namespace tandem::health {

class HealthProbe {
 public:
  // Called once per begin() that is not cancelled, on the loop thread, as the
  // probe's very last action: the callee may begin() again or destroy the
  // HealthProbe.
  using DoneCallback = void (*)(void* owner, const CheckResult& result);

  // The most of a response read while looking for the status line.
  static constexpr size_t kMaxResponse = 4096;

  HealthProbe(struct ev_loop* loop, DoneCallback done, void* owner);
  ~HealthProbe() = default;  // members stop the watchers and close the fd
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // Starts a probe with a copy of `params`. Precondition: !running() (a call
  // while running is ignored, so there are never two sockets). The
  // result may be delivered before begin() returns (e.g. an immediate
  // "connection refused"), so call it last in the caller's own callback.
  void begin(const CheckParams& params);

  // Abandons the running probe, if any, without a result; closes its socket.
  void cancel();

  bool running() const { return phase_ != Phase::Idle; }

 private:
  enum class Phase { Idle, Connecting, Sending, Receiving };

  void on_io(int revents);
  void on_timeout(int revents);
  void on_connected();
  void try_send();
  void try_receive();
  void finish(bool ok, std::string reason);
  std::string failure_text(int error) const;
  void release();

  DoneCallback done_;
  void* owner_;
  proxy::Stream conn_;  // TLS over the socket for http checks of `tls` servers
  base::IoWatcher io_;
  base::TimerWatcher timer_;
  Phase phase_ = Phase::Idle;
  CheckKind kind_ = CheckKind::Tcp;
  int expect_status_ = 0;
  std::chrono::milliseconds timeout_{0};
  std::chrono::steady_clock::time_point started_{};
  std::string request_;
  size_t sent_ = 0;
  std::array<char, kMaxResponse> received_{};
  size_t received_len_ = 0;
};

}  // namespace tandem::health
