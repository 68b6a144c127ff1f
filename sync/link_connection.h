#pragma once
// One TCP + TLS connection of the sync link, internal to sync/link.cc:
// connect (dialer), TLS handshake under a deadline, then frames in (through
// a FrameDecoder) and bytes out (through a send queue), on a libev loop.
//
// The connection decides nothing: it reports to its Owner (the Link) that
// it is established, each frame, or that it cannot go on (on_failed), and
// the Link then close()s it. Bytes given to send() are written from the
// loop (never inside send()), so no failure is ever reported from inside a
// call the owner made: callbacks only come from the connection's own
// watchers.
//
// Threading: the loop's thread only.

#include <string>
#include <string_view>

#include "base/byte_buffer.h"
#include "base/clock.h"
#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "sync/frame_decoder.h"
#include "sync/frames.h"
#include "sync/link_stats.h"
#include "sync/psk_context.h"

namespace tandem::sync {

class LinkConnection {
 public:
  enum class Phase { Connecting, Handshaking, Up, Closed };
  enum class Failure {
    Connect,    // the TCP connection could not be made
    Handshake,  // TLS refused (wrong key, garbage), or the deadline passed
    Protocol,   // bytes that are not frames (or a frame cut short by EOF)
    Closed,     // the peer closed or reset an up connection
  };

  // The Link. Callbacks come from the connection's watchers only.
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void on_established(LinkConnection& c) = 0;
    virtual void on_frame(LinkConnection& c, Frame&& frame) = 0;
    // The connection cannot go on; the owner must close() it before returning.
    virtual void on_failed(LinkConnection& c, Failure failure, const std::string& why) = 0;
  };

  // Takes a non-blocking socket (connecting: connect(2) said EINPROGRESS)
  // and an SSL in connect or accept state, not yet bound to the socket.
  LinkConnection(struct ev_loop* loop, base::UniqueFd fd, SslPtr ssl, base::SocketAddress remote, bool connecting,
                 base::Millis handshake_timeout, LinkStats& stats, Owner& owner);
  ~LinkConnection();  // closes without GOODBYE; no callbacks
  LinkConnection(const LinkConnection&) = delete;
  LinkConnection& operator=(const LinkConnection&) = delete;

  // Starts the watchers and the handshake deadline.
  void start();
  // Appends bytes to the send queue (only while Up); they are written from
  // the loop, in this iteration if the socket takes them.
  void send(std::string_view bytes);
  size_t queued() const { return queue_.size(); }
  // Writes, best effort and without waiting, what the socket takes of the
  // queue and then `goodbye` (if given, if the whole queue went and the
  // connection is up), sends TLS close_notify and closes the socket.
  // Idempotent; no callbacks afterwards.
  void close(const Goodbye* goodbye);

  Phase phase() const { return phase_; }
  const base::SocketAddress& remote() const { return remote_; }
  // The SSL (nullptr once closed), for tests that look at the session.
  SSL* ssl() const { return ssl_.get(); }

 private:
  enum class IoResult { Ok, Wait, Error };

  void on_io(int revents);
  void on_deadline(int revents);
  void finish_connect();
  void handshake();
  void read_some();
  bool deliver_frames();
  void end_of_stream();
  IoResult flush(std::string* why);
  void update_events();
  void fail(Failure failure, const std::string& why);
  std::string ssl_failure(int rc, const char* what);

  struct ev_loop* loop_;
  base::UniqueFd fd_;
  SslPtr ssl_;
  base::SocketAddress remote_;
  Phase phase_;
  base::Millis handshake_timeout_;
  LinkStats& stats_;
  Owner& owner_;
  FrameDecoder decoder_;
  base::ByteBuffer queue_;
  int handshake_wants_ = EV_READ | EV_WRITE;
  bool read_wants_write_ = false;  // SSL_read said WANT_WRITE
  bool write_wants_read_ = false;  // SSL_write said WANT_READ
  bool ssl_broken_ = false;        // a fatal SSL error: no SSL_shutdown (SSL_get_error(3))
  base::IoWatcher io_;
  base::TimerWatcher deadline_;
};

const char* to_string(LinkConnection::Failure f);

}  // namespace tandem::sync
