#include "sync/wire_error.h"

namespace tandem::sync {

const char* to_string(WireErrorCode code) {
  switch (code) {
    case WireErrorCode::BadMagic: return "bad magic";
    case WireErrorCode::UnsupportedVersion: return "unsupported version";
    case WireErrorCode::UnknownFrameType: return "unknown frame type";
    case WireErrorCode::Oversize: return "frame too large";
    case WireErrorCode::Truncated: return "truncated";
    case WireErrorCode::OutOfBounds: return "field out of bounds";
    case WireErrorCode::TrailingBytes: return "trailing bytes";
  }
  return "unknown";
}

std::string WireError::to_string() const {
  std::string s = sync::to_string(code);
  if (!detail.empty()) s += ": " + detail;
  return s;
}

}  // namespace tandem::sync
