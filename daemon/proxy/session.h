#pragma once
// What a worker holds for each accepted client connection: a TCP relay
// (TcpSession) or an HTTP exchange loop (http_proxy::HttpSession). The
// worker only starts, aborts and destroys them; everything else is theirs.
//
// Lifetime: owned by its Worker; a session tells the worker when it is
// finished (Worker::session_finished) and the worker destroys it, always as
// the last thing the session's callback does.
// Threading: entirely on its worker's thread.

#include <cstdint>
#include <list>
#include <memory>

namespace tandem::proxy {

class Session {
 public:
  virtual ~Session() = default;

  // Begins serving. May finish the session at once, in which case the
  // worker has already destroyed it when start() returns: the caller must
  // not touch it afterwards.
  virtual void start() = 0;
  // Ends the session now (worker shutdown). Does not notify the worker.
  virtual void abort() = 0;
  // The node is handing over or the worker drains: finish at the next clean
  // boundary (HTTP: after the response under way; idle keep-alive at once).
  // May destroy the session (like start()). A TCP relay has no boundary and
  // ignores it.
  virtual void close_when_idle() {}

  // The frontend (index in the session's snapshot) it serves.
  virtual uint32_t frontend_index() const = 0;

  // Writes what the session's callbacks of this loop iteration produced
  // (Worker::defer_flush). May destroy the session, like start().
  virtual void flush() {}
  // Queued for flush() (Worker::defer_flush sets it, the flush clears it).
  bool flush_queued = false;

  // The worker's handle to this session in its list.
  std::list<std::unique_ptr<Session>>::iterator self;
};

}  // namespace tandem::proxy
