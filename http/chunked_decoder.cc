// The chunked body follower (http/chunked_decoder.h), RFC 9112 7.1:
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// Extensions are checked by byte class only (no control bytes, no bare CR
// or LF): Tandem neither reads nor changes them.

#include "http/chunked_decoder.h"

#include <algorithm>

namespace tandem::http {
namespace {

constexpr int kMaxSizeDigits = 16;  // 64 bits

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(const Limits& limits) : limits_(limits) {}

void ChunkedDecoder::reset() {
  state_ = State::Size;
  remaining_ = 0;
  size_digits_ = 0;
  line_len_ = 0;
  trailer_bytes_ = 0;
  trailer_fields_ = 0;
  payload_ = 0;
  field_.reset();
  done_ = false;
  error_ = ParseError::None;
}

ChunkedDecoder::Step ChunkedDecoder::consume(std::string_view data) {
  if (done_ || error_ != ParseError::None) return Step{0, done_, error_};
  size_t i = 0;
  while (i < data.size()) {
    if (state_ == State::Data) {
      const uint64_t n = std::min<uint64_t>(remaining_, data.size() - i);
      i += n;
      payload_ += n;
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::DataCr;
      continue;
    }
    const ParseError e = line_byte(static_cast<uint8_t>(data[i]));
    if (e != ParseError::None) {
      error_ = e;
      return Step{i, false, e};
    }
    ++i;
    if (done_) break;
  }
  return Step{i, done_, ParseError::None};
}

ParseError ChunkedDecoder::line_byte(uint8_t c) {
  if (++line_len_ > limits_.max_line) return ParseError::LineTooLong;
  switch (state_) {
    case State::TrailerStart:
    case State::Trailer:
    case State::TrailerLf:
    case State::FinalLf:
      if (++trailer_bytes_ > limits_.max_head) return ParseError::HeadTooLarge;
      return trailer_byte(c);
    default:
      return size_byte(c);
  }
}

ParseError ChunkedDecoder::size_byte(uint8_t c) {
  switch (state_) {
    case State::Size: {
      const int v = hex_value(c);
      if (v >= 0) {
        if (++size_digits_ > kMaxSizeDigits) return ParseError::BadChunkSize;
        remaining_ = (remaining_ << 4) | static_cast<uint64_t>(v);
        return ParseError::None;
      }
      if (c == '\n') return ParseError::BadChunkFraming;  // a size line ended by a bare LF
      if (size_digits_ == 0) return ParseError::BadChunkSize;
      if (c == '\r') state_ = State::SizeLf;
      else if (c == ';') state_ = State::Extension;
      else if (is_ows(c)) state_ = State::SizeSpace;
      else return ParseError::BadChunkSize;
      return ParseError::None;
    }
    case State::SizeSpace:  // BWS is allowed only before an extension
      if (c == ';') state_ = State::Extension;
      else if (!is_ows(c)) return ParseError::BadChunkSize;
      return ParseError::None;
    case State::Extension:
      if (c == '\r') state_ = State::SizeLf;
      else if (!is_field_value_byte(c)) return ParseError::BadChunkFraming;
      return ParseError::None;
    case State::SizeLf:
      if (c != '\n') return ParseError::BadChunkFraming;
      line_len_ = 0;
      state_ = remaining_ == 0 ? State::TrailerStart : State::Data;
      return ParseError::None;
    case State::DataCr:
      if (c != '\r') return ParseError::BadChunkFraming;
      state_ = State::DataLf;
      return ParseError::None;
    case State::DataLf:
      if (c != '\n') return ParseError::BadChunkFraming;
      state_ = State::Size;
      size_digits_ = 0;
      line_len_ = 0;
      return ParseError::None;
    default:
      return ParseError::BadChunkFraming;  // not reached: Data and the trailer states go elsewhere
  }
}

ParseError ChunkedDecoder::trailer_byte(uint8_t c) {
  switch (state_) {
    case State::TrailerStart:
      if (c == '\r') {
        state_ = State::FinalLf;
        return ParseError::None;
      }
      if (c == '\n') return ParseError::BareLF;
      if (++trailer_fields_ > limits_.max_headers) return ParseError::TooManyHeaders;
      field_.reset();
      state_ = State::Trailer;
      return field_.feed(c);
    case State::Trailer:
      if (c == '\r') {
        state_ = State::TrailerLf;
        return ParseError::None;
      }
      return c == '\n' ? ParseError::BareLF : field_.feed(c);
    case State::TrailerLf:
      if (c != '\n') return ParseError::BareCR;
      line_len_ = 0;
      state_ = State::TrailerStart;
      return field_.finish();
    case State::FinalLf:
      if (c != '\n') return ParseError::BareCR;
      done_ = true;
      return ParseError::None;
    default:
      return ParseError::BadChunkFraming;  // not reached
  }
}

}  // namespace tandem::http
