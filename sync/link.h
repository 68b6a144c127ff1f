#pragma once
// The sync link: one TCP + TLS 1.3 (PSK) connection to the peer node, kept
// up for the life of the Link on the daemon's libev loop (docs/sync.md,
// "The link"). The Link carries frames; what they mean is sync/channel.h's.
//
// Who dials: both nodes listen on `listen`; the node whose `listen` address
// is lower (family, address bytes, port) dials `peer` from listen's IP, the
// other only accepts. A connection the acceptor authenticates replaces the
// established one (the peer restarted); one that fails the handshake
// (wrong key, garbage, timeout) never disturbs it, and is counted and
// logged at a limited rate. At most kMaxPending handshakes run at once.
//
// Callbacks (LinkEvents) come from the loop. Inside any of them the owner
// may call send(), reset() or stop() (never destroy the Link). on_down is
// called for every up connection that ends, whatever the reason, except
// after stop() and in the destructor; when the owner's own reset() ended
// it, on_down comes later, from the loop (never from inside reset()), and
// always before the next on_up.
//
// Threading: the loop's thread only.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ev_watch.h"
#include "base/log.h"
#include "base/result.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "sync/frames.h"
#include "sync/link_connection.h"
#include "sync/link_stats.h"
#include "sync/psk_context.h"

namespace tandem::sync {

struct LinkOptions {
  base::SocketAddress listen;  // this node's sync address
  base::SocketAddress peer;    // the peer's sync address
  std::string key;             // PSK bytes, >= kMinKeySize
  base::Millis handshake_timeout{3000};                // TCP connect + TLS handshake
  base::Millis retry_min{200}, retry_max{5000};        // reconnect back-off (doubling, +-20% jitter)
  size_t max_send_queue = 32 << 20;                    // bytes queued but not yet written
};

struct LinkEvents {
  std::function<void()> on_up;                           // TLS established: the owner sends HELLO
  std::function<void(Frame&&)> on_frame;                 // each decoded frame, in order
  std::function<void(const std::string& why)> on_down;  // an up connection ended (see above)
};

// Pending (not yet authenticated) connections the acceptor keeps at once.
inline constexpr size_t kMaxPending = 4;

// True when `a` sorts before `b`: family, then address bytes, then port.
bool address_less(const base::SocketAddress& a, const base::SocketAddress& b);

class Link final : private LinkConnection::Owner {
 public:
  // `loop` must outlive the Link. Nothing happens before start().
  Link(struct ev_loop* loop, LinkOptions options, LinkEvents events);
  ~Link() override;  // closes everything (no GOODBYE), no callbacks after
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Builds the TLS contexts, binds and listens on `listen` (SO_REUSEADDR),
  // and starts dialing if this node dials. Error: a key too short, the same
  // or mixed-family addresses, or the socket call that failed (with errno).
  // Call once.
  base::Status start();
  // Sends GOODBYE(reason, text) best effort, closes every connection and the
  // listener; no reconnecting and no callbacks afterwards. Idempotent.
  void stop(GoodbyeReason reason, std::string text);

  bool up() const { return up_ != nullptr; }
  bool dialer() const { return dialer_; }

  // Queues encoded frames (one or more whole frames) on the up connection.
  // False, nothing queued, if the link is down or if queued() + size() >
  // max_send_queue. Written from the loop as the socket allows.
  bool send(std::string_view frames);
  // Bytes queued and not yet handed to TLS (0 when down).
  size_t queued() const;
  // Sends GOODBYE(reason, text) best effort and closes the up connection
  // (no-op when down); the dialer reconnects after retry_min, the acceptor
  // waits for the peer. on_down follows from the loop.
  void reset(GoodbyeReason reason, std::string text);

  const LinkStats& stats() const { return stats_; }
  // The address the listener is bound to (its port when `listen` said 0);
  // empty before start().
  const base::SocketAddress& bound_address() const { return bound_; }
  // The SSL of the up connection (nullptr when down), for tests and status.
  SSL* up_ssl() const { return up_ ? up_->ssl() : nullptr; }

 private:
  using ConnPtr = std::unique_ptr<LinkConnection>;

  LinkConnection::Owner& as_owner() { return *this; }

  void on_established(LinkConnection& c) override;
  void on_frame(LinkConnection& c, Frame&& frame) override;
  void on_failed(LinkConnection& c, LinkConnection::Failure failure, const std::string& why) override;

  base::Status listen();
  void on_accept(int revents);
  void accept_one(base::UniqueFd fd, const base::SocketAddress& remote);
  void dial();
  void on_retry(int revents);
  void schedule_retry();
  void on_reap(int revents);
  void deliver_deferred_down();
  void retire(LinkConnection& c, const Goodbye* goodbye);
  void went_down(const std::string& why);
  void refused(const std::string& remote, const std::string& why);

  struct ev_loop* loop_;
  LinkOptions options_;
  LinkEvents events_;
  PskContexts contexts_;
  bool dialer_ = false;
  bool started_ = false;
  bool stopped_ = false;
  base::SocketAddress bound_;
  base::UniqueFd listen_fd_;
  ConnPtr up_;
  ConnPtr dialing_;                // the dialer's connection until it is up
  std::vector<ConnPtr> pending_;   // the acceptor's handshakes in progress
  std::vector<ConnPtr> retired_;   // closed, freed from the loop (a callback may be on their stack)
  std::optional<std::string> deferred_down_;  // on_down owed after reset()
  base::Millis backoff_;
  std::minstd_rand jitter_;
  LinkStats stats_;
  base::RateLimitedLog refusal_log_{5, std::chrono::seconds(10)};
  base::IoWatcher listen_io_;
  base::TimerWatcher retry_timer_;
  base::TimerWatcher reap_timer_;
};

}  // namespace tandem::sync
