#pragma once
// One client of the status socket (internal to the status module; the
// StatusServer creates and owns these).
//
// Reads request lines, answers each in order through the CommandRegistry,
// and writes the answers with backpressure: what a watcher waits for is
// recomputed from the buffers after every event (read while there is room
// and no answer is pending, write while bytes are queued), so a client that
// reads slowly costs memory for its own answer but never blocks the loop.
//
// Rules it enforces (each violation counted and logged at a limited rate):
//  - a line longer than max_line: "ERR 400 line too long", then close;
//  - NUL, control bytes or malformed UTF-8 in a line: "ERR 400 ...", the
//    connection stays usable;
//  - no progress (no byte read or written) for idle_timeout while no
//    answer is pending: closed (with "ERR 400 timed out" if nothing else is
//    queued).
// After the peer's EOF, the lines already received are still answered
// (`echo help | socat - UNIX-CONNECT:...` works), then it closes.
//
// Threading: the loop's thread only.

#include <ev.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/ev_watch.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "daemon/status/command_registry.h"
#include "daemon/status/protocol.h"

namespace tandem::status {

// What the status socket has seen since it started; for `show status` and
// the MIB. Plain counters: read them on the loop thread.
struct StatusCounters {
  uint64_t connections = 0;        // accepted clients
  uint64_t rejected_clients = 0;   // turned away: too many clients
  uint64_t commands = 0;           // request lines answered
  uint64_t errors = 0;             // of which answered ERR
  uint64_t lines_too_long = 0;
  uint64_t bad_bytes = 0;          // NUL, control bytes, malformed UTF-8
  uint64_t timeouts = 0;           // clients closed for making no progress
  uint64_t io_errors = 0;          // read/write failures other than a peer leaving
  uint64_t accept_errors = 0;
};

class ClientConnection;

// What a connection needs from its server. References must outlive it.
struct ConnectionContext {
  struct ev_loop* loop;
  const CommandRegistry& registry;
  StatusCounters& counters;
  base::RateLimitedLog& bad_input_log;
  size_t max_line;
  double idle_timeout_s;
  // Destroys the connection; always the last thing a connection does.
  std::function<void(ClientConnection*)> release;
};

class ClientConnection {
 public:
  ClientConnection(ConnectionContext& ctx, base::UniqueFd fd, const PeerCredentials& peer);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Starts reading. May release (destroy) the connection.
  void start();

  size_t queued_output() const { return out_.size() - out_sent_; }

 private:
  // Stop taking new requests while this much of the answers is unsent.
  static constexpr size_t kOutputHighWater = 256 * 1024;
  static constexpr size_t kReadChunk = 16 * 1024;

  void on_io(int revents);
  void on_timer(int revents);
  void on_reply(Response&& response);

  bool read_some();   // false: the connection is dead
  bool write_some();  // false: the connection is dead
  void process_lines();
  void handle_line(std::string_view line);
  void answer(const Response& response);
  void bad_input(const char* what, uint64_t& counter);
  size_t input_limit() const;
  // Re-arms watchers, or closes. Must be the last call of every entry point.
  void settle();

  ConnectionContext& ctx_;
  base::UniqueFd fd_;
  const PeerCredentials peer_;
  base::IoWatcher io_;
  base::TimerWatcher timer_;
  std::string in_;
  std::string out_;
  size_t out_sent_ = 0;
  bool read_eof_ = false;   // the peer sends no more
  bool closing_ = false;    // close once the queued output is written
  bool dead_ = false;       // close now
  bool awaiting_ = false;   // a command has not answered yet
  bool in_dispatch_ = false;
  // Async replies find the connection through this; expires with it.
  std::shared_ptr<ClientConnection*> self_;
};

}  // namespace tandem::status
