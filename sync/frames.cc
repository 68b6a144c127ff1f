// Frame codec (docs/sync.md, "Frames"). As in records.cc, each payload's
// layout is one template over FieldWriter and FieldReader.

#include "sync/frames.h"

#include <limits>
#include <type_traits>

namespace tandem::sync {
namespace {

template <typename T, typename F>
constexpr bool is = std::is_same_v<std::remove_const_t<F>, T>;

std::string version_range(uint8_t lo, uint8_t hi) {
  return "range " + std::to_string(lo) + ".." + std::to_string(hi) + " (need 1 <= min <= max)";
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<Hello, F> {
  io.string("node", f.node, kMaxNameSize, Presence::Required);
  io.u8("min_version", f.min_version);
  io.u8("max_version", f.max_version);
  const bool range_ok = f.min_version >= 1 && f.min_version <= f.max_version;
  io.check(range_ok, "version", range_ok ? "" : version_range(f.min_version, f.max_version));
  io.u64("wall_ms", f.wall_ms);
  io.fixed("config_digest", f.config_digest);
  io.list16("pools", f.pools, 2 + 32, [&](auto& p) {
    io.string("pool", p.pool, kMaxNameSize, Presence::Required);
    io.fixed("digest", p.digest);
  });
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<SnapshotBegin, F> {
  io.u64("snapshot_id", f.snapshot_id);
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<SnapshotEnd, F> {
  io.u64("snapshot_id", f.snapshot_id);
  io.u64("records", f.records);
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<Ack, F> {
  io.u64("seq", f.seq);
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<Heartbeat, F> {
  io.u64("wall_ms", f.wall_ms);
  io.list16("instances", f.instances, 2 + 1, [&](auto& i) {
    io.string("instance", i.instance, kMaxNameSize, Presence::Required);
    io.enum8("role", i.role);
  });
}

template <typename IO, typename F>
void layout(IO& io, F& f) requires is<Goodbye, F> {
  io.raw16("reason", f.reason);
  io.string("text", f.text, kMaxTextSize, Presence::Optional);
}

// UPDATES: first_seq, then a u32 count of records. Its encoder lives in
// updates_writer.cc (records are encoded one by one into the frame).
void decode_updates(FieldReader& in, Updates& f) {
  in.u64("first_seq", f.first_seq);
  in.check(f.first_seq >= 1, "first_seq", "0 (sequence numbers start at 1)");
  in.list32("records", f.records, kRecordHeaderSize, [&](Record& r) { decode_record(in, &r); });
  const uint64_t n = f.records.size();
  in.check(n > 0, "records", "none (a batch has at least one)");
  in.check( f.first_seq - 1 <= std::numeric_limits<uint64_t>::max() - n, "first_seq",
           "the last sequence number would pass 2^64 - 1");
}

template <typename F>
base::Status encode_with_layout(const F& f, std::string* out) {
  const size_t start = out->size();
  append_header(F::kType, out);
  FieldWriter w(out);
  layout(w, f);
  if (w.ok() && out->size() - start - kHeaderSize > kMaxPayload)
    w.fail("payload", "over " + std::to_string(kMaxPayload) + " bytes");
  if (!w.ok()) {
    out->resize(start);
    return base::make_error(std::string(to_string(F::kType)) + ": " + w.error());
  }
  patch_payload_length(out, start);
  return {};
}

template <typename F>
void decode_with_layout(FieldReader& in, Frame* frame) {
  layout(in, frame->emplace<F>());
}

}  // namespace

const char* to_string(FrameType t) {
  switch (t) {
    case FrameType::Hello: return "HELLO";
    case FrameType::SnapshotBegin: return "SNAPSHOT_BEGIN";
    case FrameType::SnapshotEnd: return "SNAPSHOT_END";
    case FrameType::Updates: return "UPDATES";
    case FrameType::Ack: return "ACK";
    case FrameType::Heartbeat: return "HEARTBEAT";
    case FrameType::Goodbye: return "GOODBYE";
  }
  return "unknown";
}

bool is_valid(FrameType t) {
  const auto v = static_cast<uint8_t>(t);
  return v >= static_cast<uint8_t>(FrameType::Hello) && v <= static_cast<uint8_t>(FrameType::Goodbye);
}

const char* to_string(VrrpRole r) {
  switch (r) {
    case VrrpRole::Initialize: return "init";
    case VrrpRole::Backup: return "backup";
    case VrrpRole::Master: return "master";
    case VrrpRole::Fault: return "fault";
  }
  return "unknown";
}

bool is_valid(VrrpRole r) {
  const auto v = static_cast<uint8_t>(r);
  return v >= static_cast<uint8_t>(VrrpRole::Initialize) && v <= static_cast<uint8_t>(VrrpRole::Fault);
}

const char* to_string(GoodbyeReason r) {
  switch (r) {
    case GoodbyeReason::Shutdown: return "shutdown";
    case GoodbyeReason::ProtocolError: return "protocol error";
    case GoodbyeReason::NoCommonVersion: return "no common protocol version";
    case GoodbyeReason::NotMyPeer: return "not my peer";
    case GoodbyeReason::Timeout: return "timeout";
    case GoodbyeReason::Overloaded: return "overloaded";
    case GoodbyeReason::Internal: return "internal error";
  }
  return "unknown";
}

FrameType type_of(const Frame& f) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::kType; }, f);
}

void append_header(FrameType type, std::string* out) {
  const char h[kHeaderSize] = {kMagic0, kMagic1, static_cast<char>(kVersion), static_cast<char>(type), 0, 0, 0, 0};
  out->append(h, kHeaderSize);
}

void patch_payload_length(std::string* out, size_t header_at) {
  put_be_at(out, header_at + 4, out->size() - header_at - kHeaderSize, 4);
}

base::Status encode_hello(const Hello& f, std::string* out) { return encode_with_layout(f, out); }
void encode_snapshot_begin(const SnapshotBegin& f, std::string* out) { (void)encode_with_layout(f, out); }
void encode_snapshot_end(const SnapshotEnd& f, std::string* out) { (void)encode_with_layout(f, out); }
void encode_ack(const Ack& f, std::string* out) { (void)encode_with_layout(f, out); }
base::Status encode_heartbeat(const Heartbeat& f, std::string* out) { return encode_with_layout(f, out); }
base::Status encode_goodbye(const Goodbye& f, std::string* out) { return encode_with_layout(f, out); }

base::Status encode_frame(const Frame& f, std::string* out) {
  return std::visit(
      [out](const auto& x) -> base::Status {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Updates>) return encode_updates(x, out);
        else return encode_with_layout(x, out);
      },
      f);
}

bool decode_payload(FrameType type, std::string_view payload, Frame* frame, WireError* error) {
  FieldReader in(payload);
  switch (type) {
    case FrameType::Hello: decode_with_layout<Hello>(in, frame); break;
    case FrameType::SnapshotBegin: decode_with_layout<SnapshotBegin>(in, frame); break;
    case FrameType::SnapshotEnd: decode_with_layout<SnapshotEnd>(in, frame); break;
    case FrameType::Updates: decode_updates(in, frame->emplace<Updates>()); break;
    case FrameType::Ack: decode_with_layout<Ack>(in, frame); break;
    case FrameType::Heartbeat: decode_with_layout<Heartbeat>(in, frame); break;
    case FrameType::Goodbye: decode_with_layout<Goodbye>(in, frame); break;
    default: in.fail(WireErrorCode::UnknownFrameType, "type", std::to_string(static_cast<unsigned>(type)));
  }
  in.end("payload");
  if (in.ok()) return true;
  *error = in.error();
  error->detail = std::string(to_string(type)) + ": " + error->detail;
  return false;
}

}  // namespace tandem::sync
