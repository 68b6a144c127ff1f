#include "daemon/proxy/relay_half.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tandem::proxy {
namespace {

constexpr size_t kPipeChunk = 64 * 1024;     // a default pipe's capacity
constexpr size_t kBackToCopy = 4 * 1024;     // a splice read below this returns to copying
constexpr size_t kDeferBelow = 4 * 1024;     // messages this small may wait for the iteration's end
constexpr int kMaxRounds = 16;               // bounded work per call per direction
constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

bool retryable(int e) { return e == EINTR; }
bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

}  // namespace

size_t RelayHalf::send_some(int dst, const char* data, size_t len, Progress& p) {
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = send(dst, data + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && retryable(errno)) continue;
    if (n < 0 && !would_block(errno)) p.error = errno;
    break;
  }
  p.written += sent;
  return sent;
}

bool RelayHalf::send_or_keep(int dst, const char* data, size_t len, Progress& p) {
  size_t sent = send_some(dst, data, len, p);
  if (p.error != 0) return false;
  if (sent == len) return true;
  backlog_.reset(new char[RelayResources::kScratchSize]);  // len <= kScratchSize: a read's worth
  backlog_off_ = 0;
  backlog_len_ = len - sent;
  memcpy(backlog_.get(), data + sent, backlog_len_);
  return false;
}

bool RelayHalf::flush(int dst, Progress& p) {
  if (deferred_len_ > 0) {
    const char* data = deferred_;
    size_t len = deferred_len_;
    deferred_ = nullptr;
    deferred_len_ = 0;
    if (!send_or_keep(dst, data, len, p)) return false;  // (the deferred area is emptied after this flush)
  }
  if (backlog_len_ > 0) {
    size_t sent = send_some(dst, backlog_.get() + backlog_off_, backlog_len_, p);
    backlog_off_ += sent;
    backlog_len_ -= sent;
    if (p.error != 0 || backlog_len_ > 0) return false;
  }
  backlog_.reset();  // an idle connection holds no buffer
  backlog_off_ = 0;
  while (in_pipe_ > 0) {
    ssize_t n = splice(pipe_.read_end.get(), nullptr, dst, nullptr, in_pipe_, kSpliceFlags);
    if (n > 0) {
      in_pipe_ -= static_cast<uint64_t>(n);
      p.written += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && retryable(errno)) continue;
    if (n < 0 && would_block(errno)) return false;
    p.error = n < 0 ? errno : EPIPE;
    return false;
  }
  return true;
}

size_t RelayHalf::count_read(ssize_t n, Progress& p, bool* retry) {
  if (n > 0) {
    p.read += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
  if (n == 0)
    src_eof_ = true;
  else if (retryable(errno))
    *retry = true;
  else if (!would_block(errno))
    p.error = errno;
  return 0;
}

// recv into the scratch buffer, send straight on; whatever dst does not take
// goes to the backlog. Returns false to stop pumping (would block or error);
// *done means "probably drained: go back to the loop".
bool RelayHalf::read_by_copy(int src, int dst, RelayResources& r, Progress& p, bool* done, bool defer) {
  bool retry = false;
  size_t got = count_read(recv(src, r.scratch.get(), RelayResources::kScratchSize, MSG_DONTWAIT), p, &retry);
  if (got == 0) return retry;
  if (defer && got < kDeferBelow && RelayResources::kDeferredSize - r.deferred_used >= got) {
    deferred_ = r.deferred.get() + r.deferred_used;
    deferred_len_ = got;
    memcpy(r.deferred.get() + r.deferred_used, r.scratch.get(), got);
    r.deferred_used += got;
    return false;  // nothing more is read before it is delivered
  }
  if (got == RelayResources::kScratchSize && splice_allowed_) splicing_ = true;  // a bulk transfer: stop copying it
  if (!send_or_keep(dst, r.scratch.get(), got, p)) return false;  // failed, or wait until dst is writable
  // A short read almost always means the socket is drained: go back to the
  // loop instead of paying a syscall to hear EAGAIN (level-triggered
  // readiness calls us again if that guess was wrong).
  *done = got < RelayResources::kScratchSize;
  return true;
}

bool RelayHalf::read_by_splice(int src, int dst, RelayResources& r, Progress& p, bool* done) {
  if (!pipe_.valid()) {
    pipe_ = r.pipes.acquire();
    if (!pipe_.valid()) {  // out of fds: keep relaying by copy
      splicing_ = false;
      return true;
    }
  }
  bool retry = false;
  size_t got = count_read(splice(src, nullptr, pipe_.write_end.get(), nullptr, kPipeChunk, kSpliceFlags), p, &retry);
  if (got == 0) return retry;
  in_pipe_ = got;
  if (!flush(dst, p)) return false;
  if (got < kBackToCopy) splicing_ = false;  // the bulk transfer is over
  *done = got < kPipeChunk;
  return true;
}

RelayHalf::Progress RelayHalf::pump(int src, int dst, RelayResources& resources, bool dst_closing, bool defer) {
  Progress p;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (has_pending() && !flush(dst, p)) break;
    if (src_eof_) break;
    bool done = false;
    bool go_on = splicing_ ? read_by_splice(src, dst, resources, p, &done)
                           : read_by_copy(src, dst, resources, p, &done, defer);
    if (!go_on || done) break;
  }
  if (p.error == 0) shut_when_done(dst, dst_closing);
  return p;
}

RelayHalf::Progress RelayHalf::deliver(int dst, bool dst_closing) {
  Progress p;
  if (has_pending()) flush(dst, p);
  if (p.error == 0) shut_when_done(dst, dst_closing);
  return p;
}

void RelayHalf::shut_when_done(int dst, bool dst_closing) {
  if (src_eof_ && !has_pending() && !dst_shut_) {
    if (!dst_closing) ::shutdown(dst, SHUT_WR);  // ENOTCONN when the peer already left: the other half will see it
    dst_shut_ = true;
  }
}

void RelayHalf::release(PipePool& pipes) {
  if (in_pipe_ == 0) pipes.release(std::move(pipe_));
  pipe_ = SplicePipe{};
}

}  // namespace tandem::proxy
