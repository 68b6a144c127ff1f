#pragma once
// Splits the sync channel's byte stream into frames (docs/sync.md,
// "Frames", "Errors").
//
// decode_frame() is the pure function: the frame at the start of a buffer,
// or "need more", or why the bytes can never become a frame. FrameDecoder
// wraps it for a stream: feed() bytes as they arrive, then call next() until
// it says NeedMore.
//
// Guarantees (fuzzed: tests/fuzz/sync_frame_fuzz.cc): any byte sequence is
// safe input; nothing is read outside the bytes given; nothing throws
// (except std::bad_alloc); no allocation is sized by a length field before
// the bytes it announces are there, so a peer cannot make the decoder
// reserve more than it actually sent (and the payload of one frame is at
// most kMaxPayload). Header errors are found as soon as the offending byte
// arrives: a stream is refused at the same byte whether it is fed at once
// or byte by byte. Every accepted frame is in canonical form: encoding the
// decoded frame gives back the same bytes.
//
// Threading: FrameDecoder belongs to one link, on its thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/byte_buffer.h"
#include "sync/frames.h"
#include "sync/wire_error.h"

namespace tandem::sync {

enum class DecodeStatus {
  Frame,     // a whole frame was decoded
  NeedMore,  // the bytes so far are a valid beginning of a frame
  Error,     // the bytes can never be a valid frame; close the link
};
const char* to_string(DecodeStatus s);

// Decodes the frame at the start of `bytes` (which may hold more after it).
//   Frame:    *frame holds it, *consumed its size in bytes (header + payload).
//   NeedMore: *consumed = 0; *frame untouched.
//   Error:    *error says why; *consumed = 0; *frame unspecified.
DecodeStatus decode_frame(std::string_view bytes, Frame* frame, size_t* consumed, WireError* error);

class FrameDecoder {
 public:
  // Appends received bytes. Ignored once an error was returned. Keeps at
  // most the bytes fed and not yet returned as frames.
  void feed(std::string_view bytes);

  // The next frame, if its bytes are all there. After Error, returns Error
  // again (a stream cannot resynchronize); error() says why.
  DecodeStatus next(Frame* frame);

  const WireError& error() const { return error_; }
  bool failed() const { return failed_; }
  // Bytes held that are not yet a whole frame (or not yet asked for). A
  // link closed while this is non-zero ended inside a frame: Truncated.
  size_t buffered() const { return buffer_.size(); }
  // Bytes of the frames returned so far.
  uint64_t consumed() const { return consumed_; }

 private:
  base::ByteBuffer buffer_;
  WireError error_;
  bool failed_ = false;
  uint64_t consumed_ = 0;
};

}  // namespace tandem::sync
