#include "sync/frame_decoder.h"

#include <cstdio>

namespace tandem::sync {
namespace {

DecodeStatus fail(WireError* error, WireErrorCode code, std::string detail) {
  error->code = code;
  error->detail = std::move(detail);
  return DecodeStatus::Error;
}

std::string hex_byte(uint8_t b) {
  char s[8];
  std::snprintf(s, sizeof s, "0x%02x", b);
  return s;
}

// Checks as much of the 8-byte header as `bytes` holds.
DecodeStatus check_header(std::string_view bytes, WireError* error) {
  const size_t n = bytes.size();
  auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  // Only the bytes up to the first wrong one are shown, so that the error
  // reads the same however the stream was sliced.
  if (n >= 1 && bytes[0] != kMagic0)
    return fail(error, WireErrorCode::BadMagic, hex_byte(byte(0)) + " (expected \"TS\")");
  if (n >= 2 && bytes[1] != kMagic1)
    return fail(error, WireErrorCode::BadMagic, "0x54 " + hex_byte(byte(1)) + " (expected \"TS\")");
  if (n >= 3 && byte(2) != kVersion)
    return fail(error, WireErrorCode::UnsupportedVersion,
                "version " + std::to_string(byte(2)) + " (this node speaks " + std::to_string(kVersion) + ")");
  if (n >= 4 && !is_valid(static_cast<FrameType>(byte(3))))
    return fail(error, WireErrorCode::UnknownFrameType, "type " + std::to_string(byte(3)));
  if (n >= kHeaderSize) {
    const uint64_t length = get_be(bytes.data() + 4, 4);
    if (length > kMaxPayload)
      return fail(error, WireErrorCode::Oversize,
                  std::string(to_string(static_cast<FrameType>(byte(3)))) + ": payload of " + std::to_string(length) +
                      " bytes (at most " + std::to_string(kMaxPayload) + ")");
  }
  return DecodeStatus::NeedMore;
}

}  // namespace

const char* to_string(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::Frame: return "frame";
    case DecodeStatus::NeedMore: return "need more";
    case DecodeStatus::Error: return "error";
  }
  return "unknown";
}

DecodeStatus decode_frame(std::string_view bytes, Frame* frame, size_t* consumed, WireError* error) {
  *consumed = 0;
  if (check_header(bytes, error) == DecodeStatus::Error) return DecodeStatus::Error;
  if (bytes.size() < kHeaderSize) return DecodeStatus::NeedMore;
  const size_t length = get_be(bytes.data() + 4, 4);
  if (bytes.size() - kHeaderSize < length) return DecodeStatus::NeedMore;
  const auto type = static_cast<FrameType>(bytes[3]);
  if (!decode_payload(type, bytes.substr(kHeaderSize, length), frame, error)) return DecodeStatus::Error;
  *consumed = kHeaderSize + length;
  return DecodeStatus::Frame;
}

void FrameDecoder::feed(std::string_view bytes) {
  if (!failed_) buffer_.append(bytes);
}

DecodeStatus FrameDecoder::next(Frame* frame) {
  if (failed_) return DecodeStatus::Error;
  size_t used = 0;
  const DecodeStatus s = decode_frame(buffer_.view(), frame, &used, &error_);
  if (s == DecodeStatus::Error) {
    failed_ = true;
    buffer_.release();
  } else if (s == DecodeStatus::Frame) {
    buffer_.consume(used);
    consumed_ += used;
  }
  return s;
}

}  // namespace tandem::sync
