#include "daemon/proxy/splice_half.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace tandem::proxy {
namespace {

constexpr size_t kChunk = 64 * 1024;  // a default pipe's capacity
constexpr int kMaxRounds = 16;        // at most ~1 MiB per call per direction
constexpr unsigned kFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

}  // namespace

SpliceHalf::Progress SpliceHalf::pump(int src, int dst, PipePool& pipes) {
  Progress p;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (pending_ > 0) {
      ssize_t n = splice(pipe_.read_end.get(), nullptr, dst, nullptr, pending_, kFlags);
      if (n > 0) {
        pending_ -= static_cast<uint64_t>(n);
        p.written += static_cast<uint64_t>(n);
        continue;  // deliver the rest, or read more
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;  // wait until dst is writable
      p.error = n < 0 ? errno : EPIPE;
      return p;
    }
    if (src_eof_) break;
    if (!pipe_.valid()) {
      pipe_ = pipes.acquire();
      if (!pipe_.valid()) {
        p.error = EMFILE;
        return p;
      }
    }
    ssize_t n = splice(src, nullptr, pipe_.write_end.get(), nullptr, kChunk, kFlags);
    if (n > 0) {
      pending_ = static_cast<uint64_t>(n);
      p.read += static_cast<uint64_t>(n);
      // A short read almost always means the socket is drained: deliver and
      // go back to the loop instead of paying a syscall to hear EAGAIN.
      // (Level-triggered readiness calls us again if that guess was wrong.)
      if (static_cast<size_t>(n) < kChunk) {
        ssize_t w = splice(pipe_.read_end.get(), nullptr, dst, nullptr, pending_, kFlags);
        if (w > 0) {
          pending_ -= static_cast<uint64_t>(w);
          p.written += static_cast<uint64_t>(w);
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
          p.error = errno;
          return p;
        }
        if (pending_ > 0) continue;  // try the rest (or see EAGAIN) in the next round
        return p;
      }
      continue;
    }
    if (n == 0) {
      src_eof_ = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;  // nothing to read now
    p.error = errno;
    return p;
  }
  if (src_eof_ && pending_ == 0 && !dst_shut_) {
    ::shutdown(dst, SHUT_WR);  // ENOTCONN when the peer already left: the other half will see it
    dst_shut_ = true;
  }
  return p;
}

void SpliceHalf::release(PipePool& pipes) {
  if (pending_ == 0) pipes.release(std::move(pipe_));
  pipe_ = SplicePipe{};
}

}  // namespace tandem::proxy
