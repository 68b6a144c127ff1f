#pragma once
// Pipes for splice(2): the relay moves bytes socket -> pipe -> socket without
// copying them through user space. Creating a pipe costs two syscalls and
// two fds, so each worker keeps a small pool of empty pipes for reuse.
//
// Threading: a PipePool belongs to one worker's thread.

#include <vector>

#include "base/unique_fd.h"

namespace tandem::proxy {

struct SplicePipe {
  base::UniqueFd read_end;
  base::UniqueFd write_end;
  bool valid() const { return read_end.valid(); }
};

class PipePool {
 public:
  explicit PipePool(size_t max_idle = 256) : max_idle_(max_idle) {}

  // An empty pipe, from the pool or new (non-blocking, close-on-exec).
  // Returns an invalid pipe when the process is out of fds.
  SplicePipe acquire();

  // Takes back a pipe. Only empty pipes may be returned (a pipe with bytes
  // left in it must just be destroyed).
  void release(SplicePipe pipe);

  size_t idle() const { return idle_.size(); }

 private:
  size_t max_idle_;
  std::vector<SplicePipe> idle_;
};

}  // namespace tandem::proxy
