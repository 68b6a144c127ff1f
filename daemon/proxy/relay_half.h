#pragma once
// One direction of a TCP relay: bytes from a source socket to a destination
// socket. Both directions of a connection use this same code path (nghttpx's
// lesson); what the owner waits for is derived from the half's state after
// each pump: read the source while nothing is pending, write the destination
// while something is — backpressure comes for free.
//
// Two ways to move bytes, chosen per direction as traffic goes:
//  - copy: recv() into the worker's scratch buffer and send() straight on
//    (or, for a small message, at the end of the loop iteration: pump()'s
//    `defer`). For small messages (requests, most responses) this is the
//    cheapest path, and an idle connection owns no buffer at all.
//  - splice: socket -> pipe -> socket with splice(2), so bulk payload never
//    enters user space. A direction switches to it when a read fills the
//    whole scratch buffer, and back to copying when reads turn small again.
//    Only where the owner allows it (`splice` in the config).
//
// Threading: owned by one session, on its worker's thread.

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "daemon/proxy/pipe_pool.h"

namespace tandem::proxy {

// What a worker lends to every relay half it runs: pipes for splicing, one
// scratch buffer for copying (used only within a pump() call), and the
// deferred area: small messages read in one loop iteration wait there for
// the iteration's end, when their halves deliver them (the worker empties it
// after every flush of its sessions).
struct RelayResources {
  static constexpr size_t kScratchSize = 16 * 1024;
  static constexpr size_t kDeferredSize = 128 * 1024;
  PipePool pipes;
  std::unique_ptr<char[]> scratch{new char[kScratchSize]};
  std::unique_ptr<char[]> deferred{new char[kDeferredSize]};
  size_t deferred_used = 0;
};

class RelayHalf {
 public:
  struct Progress {
    uint64_t read = 0;     // bytes taken from the source
    uint64_t written = 0;  // bytes delivered to the destination
    int error = 0;         // errno of a fatal error (reset, broken pipe, …), 0 if none
  };

  // Moves what can be moved without blocking, a bounded amount per call so a
  // fast transfer cannot starve the worker's other connections. When the
  // source has ended and everything is delivered, half-closes `dst`
  // (shutdown SHUT_WR) once — unless `dst_closing`: the owner is about to
  // close it anyway (the other direction is finished), and close() sends
  // the same FIN without a syscall of its own.
  //
  // With `defer`, a small message (under 4 KiB) read by copy is not sent but
  // kept in resources.deferred, and the pump stops: the owner delivers it
  // with deliver() at the end of the loop iteration (Worker::defer_flush),
  // once every ready socket of the iteration has been read.
  Progress pump(int src, int dst, RelayResources& resources, bool dst_closing = false, bool defer = false);
  // Sends what waits for `dst` (a deferred message, then backlog or pipe
  // bytes) without reading the source; half-closes dst as pump() does.
  Progress deliver(int dst, bool dst_closing = false);
  // A message waits in the deferred area for deliver().
  bool deferred() const { return deferred_len_ > 0; }

  // The source still has to be read, and nothing waits to be delivered.
  bool wants_read() const { return !src_eof_ && !has_pending(); }
  // Bytes are waiting for the destination to accept them.
  bool wants_write() const { return has_pending(); }
  // The source ended and every byte was delivered (and dst half-closed).
  bool finished() const { return src_eof_ && !has_pending() && dst_shut_; }
  // True while bulk transfer goes through a pipe (for tests and status).
  bool splicing() const { return splicing_; }
  // Whether bulk transfers may switch to splice at all (default: yes).
  void allow_splice(bool allowed) { splice_allowed_ = allowed; }

  // Gives the pipe back to the pool if it is empty (call when the session ends).
  void release(PipePool& pipes);

 private:
  bool has_pending() const { return in_pipe_ > 0 || backlog_len_ > 0 || deferred_len_ > 0; }
  // Half-closes dst once the source has ended and nothing waits for it.
  void shut_when_done(int dst, bool dst_closing);
  // send()s until done or dst would block; returns the bytes sent (counted
  // in p.written). A fatal error sets p.error. The one send loop of the
  // copied, deferred and backlog bytes.
  size_t send_some(int dst, const char* data, size_t len, Progress& p);
  // Sends bytes of the scratch buffer or the deferred area (both reused
  // after this call); what dst does not take now moves to the connection's
  // own backlog. True when everything went; false also on a fatal error.
  bool send_or_keep(int dst, const char* data, size_t len, Progress& p);
  // Delivers a deferred message, then backlog or pipe bytes; false when dst
  // would block or failed.
  bool flush(int dst, Progress& p);
  // Accounts for the result of a read: the byte count, or 0 when there is
  // nothing to relay — end of stream (src_eof_ set), would block, an
  // interrupted call (*retry set) or an error (p.error set).
  size_t count_read(ssize_t n, Progress& p, bool* retry);
  bool read_by_copy(int src, int dst, RelayResources& r, Progress& p, bool* done, bool defer);
  bool read_by_splice(int src, int dst, RelayResources& r, Progress& p, bool* done);

  SplicePipe pipe_;
  uint64_t in_pipe_ = 0;  // bytes sitting in the pipe
  // Bytes copied from the source that the destination did not take yet;
  // allocated only when a send() was partial.
  std::unique_ptr<char[]> backlog_;
  size_t backlog_off_ = 0;
  size_t backlog_len_ = 0;
  // A message read but not yet sent, in RelayResources::deferred (valid
  // until the worker's flush; deliver() sends it or moves it to the backlog).
  const char* deferred_ = nullptr;
  size_t deferred_len_ = 0;
  bool splicing_ = false;
  bool splice_allowed_ = true;
  bool src_eof_ = false;
  bool dst_shut_ = false;
};

}  // namespace tandem::proxy
