#include "daemon/proxy/pipe_pool.h"

#include <fcntl.h>
#include <unistd.h>

namespace tandem::proxy {

SplicePipe PipePool::acquire() {
  if (!idle_.empty()) {
    SplicePipe p = std::move(idle_.back());
    idle_.pop_back();
    return p;
  }
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return {};
  return SplicePipe{base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
}

void PipePool::release(SplicePipe pipe) {
  if (!pipe.valid() || idle_.size() >= max_idle_) return;  // closed by the destructor
  idle_.push_back(std::move(pipe));
}

}  // namespace tandem::proxy
