#pragma once
// One direction of a TCP relay: bytes from a source socket to a destination
// socket through a pipe with splice(2), so payload never enters user space.
// Both directions of a connection use this same code path (nghttpx's lesson);
// what the owner waits for is derived from the half's state after each pump:
// read the source while the pipe is empty, write the destination while the
// pipe holds bytes — backpressure comes for free.
//
// Threading: owned by one session, on its worker's thread.

#include <cstdint>

#include "daemon/proxy/pipe_pool.h"

namespace tandem::proxy {

class SpliceHalf {
 public:
  struct Progress {
    uint64_t read = 0;     // bytes taken from the source
    uint64_t written = 0;  // bytes delivered to the destination
    int error = 0;         // errno of a fatal error (reset, broken pipe, …), 0 if none
  };

  // Moves what can be moved without blocking, a bounded amount per call so a
  // fast transfer cannot starve the worker's other connections. When the
  // source has ended and everything is delivered, half-closes `dst`
  // (shutdown SHUT_WR) once.
  Progress pump(int src, int dst, PipePool& pipes);

  // The source still has to be read, and there is room to read into.
  bool wants_read() const { return !src_eof_ && pending_ == 0; }
  // Bytes are waiting for the destination to accept them.
  bool wants_write() const { return pending_ > 0; }
  // The source ended and every byte was delivered (and dst half-closed).
  bool finished() const { return src_eof_ && pending_ == 0 && dst_shut_; }

  // Gives the pipe back to the pool if it is empty (call when the session ends).
  void release(PipePool& pipes);

 private:
  SplicePipe pipe_;
  uint64_t pending_ = 0;  // bytes sitting in the pipe
  bool src_eof_ = false;
  bool dst_shut_ = false;
};

}  // namespace tandem::proxy
