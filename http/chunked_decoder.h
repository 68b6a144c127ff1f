#pragma once
// Follows a chunked body (RFC 9112 7.1) as it streams through, without
// copying or de-chunking it: the proxy forwards the bytes as they are, and
// this tells it where the message ends and whether the framing is valid.
// Strict: chunk-size is 1*HEXDIG (at most 16 digits, no overflow), chunk
// extensions are allowed but bounded, CRLF is required after each chunk's
// data, trailer fields follow the field rules of the head parsers (and are
// bounded by Limits::max_head in total).
//
// Errors: BadChunkSize (a size that is not 1-16 hex digits, or whitespace
// not followed by ';'), BadChunkFraming (no CRLF after the size line or the
// data, a control byte in an extension); LineTooLong for a size line or a
// trailer line over Limits::max_line; in the trailer section, the errors
// of the head's field rules (ObsFold, BadFieldName, BareCR, ...),
// TooManyHeaders over max_headers fields and HeadTooLarge over max_head
// bytes.
//
// Threading: one message's, on its worker's thread.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/field_rules.h"
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
  // Without done or error, all of `data` was consumed. On an error,
  // `consumed` counts the bytes before the offending one. After done or an
  // error, consume() returns the same outcome (consuming nothing) until
  // reset().
  Step consume(std::string_view data);

  // Payload bytes seen so far (chunk data only), for access logs.
  uint64_t payload_bytes() const { return payload_; }

  // Ready for the next body (same limits).
  void reset();

 private:
  enum class State { Size, SizeSpace, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, FinalLf };

  // One byte outside chunk data (a size, CRLF or trailer line); sets done_
  // at the body's last byte.
  ParseError line_byte(uint8_t c);
  ParseError size_byte(uint8_t c);     // states Size .. SizeLf, DataCr, DataLf
  ParseError trailer_byte(uint8_t c);  // states TrailerStart .. FinalLf

  Limits limits_;
  State state_ = State::Size;
  uint64_t remaining_ = 0;  // of the current chunk's data (its size while reading it)
  int size_digits_ = 0;
  size_t line_len_ = 0;     // current size/extension/trailer line, CR and LF included
  size_t trailer_bytes_ = 0;
  size_t trailer_fields_ = 0;
  uint64_t payload_ = 0;
  FieldLineChecker field_;
  bool done_ = false;
  ParseError error_ = ParseError::None;
};

}  // namespace tandem::http
