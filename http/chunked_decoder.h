#pragma once
// Follows a chunked body (RFC 9112 7.1) as it streams through, without
// copying or de-chunking it: the proxy forwards the bytes as they are, and
// this tells it where the message ends and whether the framing is valid.
// Strict: chunk-size is 1*HEXDIG (at most 16 digits, no overflow), chunk
// extensions are allowed but bounded, CRLF is required after each chunk's
// data, trailer fields follow the field rules of the head parsers (and are
// bounded by Limits::max_head in total).
//
// Threading: one message's, on its worker's thread.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message_head.h"

namespace tandem::http {

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(const Limits& limits);

  struct Step {
    size_t consumed = 0;  // bytes of `data` that belong to this body
    bool done = false;    // the last chunk and the trailer section ended
    ParseError error = ParseError::None;
  };

  // Takes the next bytes of the body stream. Consumes up to the end of the
  // body (so bytes after it, a pipelined next message, are left alone).
  // After done or an error, consume() must not be called until reset().
  Step consume(std::string_view data);

  // Payload bytes seen so far (chunk data only), for access logs.
  uint64_t payload_bytes() const { return payload_; }

  void reset();

 private:
  enum class State { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerLineStart, TrailerLine, TrailerLf, FinalLf };

  Limits limits_;
  State state_ = State::Size;
  uint64_t remaining_ = 0;  // of the current chunk's data
  int size_digits_ = 0;
  size_t line_len_ = 0;     // current size/extension/trailer line
  size_t trailer_bytes_ = 0;
  uint64_t payload_ = 0;
};

}  // namespace tandem::http
