#pragma once
// Why bytes received on the sync channel were refused (docs/sync.md,
// "Errors"). Every refusal closes the link; the code is what the link counts
// and the detail what it logs ("UPDATES: record 3 (sticky_source): server:
// length 300 > 255").
//
// Not base::Error: the link counts refusals per kind, so the kind is a value
// of its own; to_string() gives the operator-facing text.

#include <string>

namespace tandem::sync {

enum class WireErrorCode {
  BadMagic,            // the first two bytes of a frame are not "TS"
  UnsupportedVersion,  // the header's version byte is not one this decoder speaks
  UnknownFrameType,    // the header's type byte names no frame of this version
  Oversize,            // the payload length is over kMaxPayload
  Truncated,           // a field runs past the end of its payload or record
  OutOfBounds,         // a value outside what its field allows (length, enum, range)
  TrailingBytes,       // bytes left after the last field of a payload or record
};
const char* to_string(WireErrorCode code);

struct WireError {
  WireErrorCode code = WireErrorCode::Truncated;
  std::string detail;  // where and what: "HELLO: node: empty"

  // "<code>: <detail>", e.g. "field out of bounds: HELLO: node: empty".
  std::string to_string() const;
  bool operator==(const WireError&) const = default;
};

}  // namespace tandem::sync
