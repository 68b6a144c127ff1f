#pragma once
// The frames of the sync channel (docs/sync.md, "Frames"): an 8-byte
// header, then a payload.
//
//   magic "TS" (2) | version u8 | type u8 | payload length u32 | payload
//
// Integers are big-endian. A payload is at most kMaxPayload bytes. Frames
// are plain structs holding owned strings; encoders append a whole frame to
// a std::string, and leave it unchanged when they refuse (a field out of its
// bounds, a payload over the limit). Decoding: frame_decoder.h.
//
// Threading: none (plain data and pure functions).

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "sync/records.h"

namespace tandem::sync {

inline constexpr char kMagic0 = 'T';
inline constexpr char kMagic1 = 'S';
// The protocol version this code speaks, and the version byte of every
// HELLO (whose layout is frozen, so that any two versions can negotiate).
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 8;
inline constexpr uint32_t kMaxPayload = 1 << 20;  // 1 MiB
inline constexpr size_t kMaxTextSize = 1024;      // GOODBYE text

enum class FrameType : uint8_t {
  Hello = 1,
  SnapshotBegin = 2,
  SnapshotEnd = 3,
  Updates = 4,
  Ack = 5,
  Heartbeat = 6,
  Goodbye = 7,
};
const char* to_string(FrameType t);  // "HELLO", "SNAPSHOT_BEGIN", ...
bool is_valid(FrameType t);

// A SHA-256 digest (what it covers: docs/sync.md, "Config fingerprints").
using Digest = std::array<uint8_t, 32>;

struct PoolFingerprint {
  std::string pool;  // 1..kMaxNameSize bytes
  Digest digest{};
  bool operator==(const PoolFingerprint&) const = default;
};

// The first frame each side sends on a new link.
struct Hello {
  static constexpr FrameType kType = FrameType::Hello;
  std::string node;                    // the sender's node name, 1..kMaxNameSize bytes
  uint8_t min_version = kVersion;      // protocol versions the sender speaks:
  uint8_t max_version = kVersion;      //   1 <= min_version <= max_version
  uint64_t wall_ms = 0;                // the sender's wall clock when sending
  Digest config_digest{};              // the whole replicated configuration
  std::vector<PoolFingerprint> pools;  // one per pool, at most 65535
  bool operator==(const Hello&) const = default;
};

// A full snapshot follows, in UPDATES frames, up to the SnapshotEnd with
// the same id.
struct SnapshotBegin {
  static constexpr FrameType kType = FrameType::SnapshotBegin;
  uint64_t snapshot_id = 0;
  bool operator==(const SnapshotBegin&) const = default;
};

struct SnapshotEnd {
  static constexpr FrameType kType = FrameType::SnapshotEnd;
  uint64_t snapshot_id = 0;
  uint64_t records = 0;  // records sent since the SnapshotBegin
  bool operator==(const SnapshotEnd&) const = default;
};

// A batch of at least one record; records[i] has sequence number first_seq + i.
struct Updates {
  static constexpr FrameType kType = FrameType::Updates;
  uint64_t first_seq = 1;  // >= 1; the last number must not pass 2^64 - 1
  std::vector<Record> records;
  bool operator==(const Updates&) const = default;
};

// Every record up to and including `seq` was received and applied (or
// skipped), with no gap. 0: none yet.
struct Ack {
  static constexpr FrameType kType = FrameType::Ack;
  uint64_t seq = 0;
  bool operator==(const Ack&) const = default;
};

// The VRRP state of one instance, as its node sees it.
enum class VrrpRole : uint8_t { Initialize = 1, Backup = 2, Master = 3, Fault = 4 };
const char* to_string(VrrpRole r);
bool is_valid(VrrpRole r);

struct InstanceRole {
  std::string instance;  // the [vrrp:NAME] name ("default" for [vrrp]), 1..kMaxNameSize bytes
  VrrpRole role = VrrpRole::Initialize;
  bool operator==(const InstanceRole&) const = default;
};

struct Heartbeat {
  static constexpr FrameType kType = FrameType::Heartbeat;
  uint64_t wall_ms = 0;
  std::vector<InstanceRole> instances;  // at most 65535
  bool operator==(const Heartbeat&) const = default;
};

// Why a side closes the link. Codes not listed are accepted and kept.
enum class GoodbyeReason : uint16_t {
  Shutdown = 1,        // the daemon stops or the sync section was removed
  ProtocolError = 2,   // the peer sent bytes that did not decode
  NoCommonVersion = 3, // the HELLO version ranges do not overlap
  NotMyPeer = 4,       // the HELLO names a node this one does not pair with (or itself)
  Timeout = 5,         // nothing heard for too long
  Overloaded = 6,      // the send queue overflowed; reconnect and resync
  Internal = 7,        // anything else
};
const char* to_string(GoodbyeReason r);  // "unknown" for codes not listed

struct Goodbye {
  static constexpr FrameType kType = FrameType::Goodbye;
  GoodbyeReason reason = GoodbyeReason::Shutdown;
  std::string text;  // for the peer's log, at most kMaxTextSize bytes
  bool operator==(const Goodbye&) const = default;
};

using Frame = std::variant<Hello, SnapshotBegin, SnapshotEnd, Updates, Ack, Heartbeat, Goodbye>;
FrameType type_of(const Frame& f);

// Each appends one whole frame to *out. Those returning a Status refuse a
// field out of its bounds or a payload over kMaxPayload (the message names
// the frame and field) and then leave *out as it was.
base::Status encode_hello(const Hello& f, std::string* out);
void encode_snapshot_begin(const SnapshotBegin& f, std::string* out);
void encode_snapshot_end(const SnapshotEnd& f, std::string* out);
base::Status encode_updates(const Updates& f, std::string* out);
void encode_ack(const Ack& f, std::string* out);
base::Status encode_heartbeat(const Heartbeat& f, std::string* out);
base::Status encode_goodbye(const Goodbye& f, std::string* out);
// Any of the above.
base::Status encode_frame(const Frame& f, std::string* out);

// Decodes the payload of a frame of `type` (whose header was checked) into
// *frame. On failure, returns false and sets *error (Truncated, OutOfBounds,
// TrailingBytes; the detail starts with the frame's name).
bool decode_payload(FrameType type, std::string_view payload, Frame* frame, WireError* error);

// Internal to sync/ (the UPDATES writer): the header with payload length 0,
// and the length patched in once the payload is written.
void append_header(FrameType type, std::string* out);
void patch_payload_length(std::string* out, size_t header_at);

}  // namespace tandem::sync
