#pragma once
// Shared by the sync wire tests: one sample of every record and frame, and a
// hand-written byte builder (independent of sync/byte_io) so that tests
// check the layout docs/sync.md specifies, not just encoder/decoder symmetry.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sync/wire.h"

namespace tandem::sync::testing {

// `bytes` big-endian bytes of v.
inline std::string be(uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
inline std::string u8(uint64_t v) { return be(v, 1); }
inline std::string u16(uint64_t v) { return be(v, 2); }
inline std::string u32(uint64_t v) { return be(v, 4); }
inline std::string u64(uint64_t v) { return be(v, 8); }
// A string field: u16 length + bytes.
inline std::string str(std::string_view s) { return u16(s.size()) + std::string(s); }
// An address field: u8 length + bytes.
inline std::string addr(std::string_view a) { return u8(a.size()) + std::string(a); }

// A whole frame with the given header fields.
inline std::string frame_bytes(uint8_t type, std::string_view payload, uint8_t version = 1) {
  return std::string("TS") + u8(version) + u8(type) + u32(payload.size()) + std::string(payload);
}
inline std::string record_bytes(uint8_t table, uint8_t op, std::string_view body) {
  return u8(table) + u8(op) + u16(body.size()) + std::string(body);
}
inline std::string updates_frame(uint64_t first_seq, const std::vector<std::string>& records) {
  std::string p = u64(first_seq) + u32(records.size());
  for (const std::string& r : records) p += r;
  return frame_bytes(4, p);
}
// The stamp every known record body starts with.
inline std::string stamp(std::string_view origin = "lb-a", uint64_t ms = 1000) { return str(origin) + u64(ms); }

inline const std::string kIpv4("\x0a\x00\x00\x07", 4);  // 10.0.0.7
inline const std::string kIpv6 = std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + "\x01";

inline Record make_record(Op op, RecordData data, std::string origin = "lb-a", uint64_t stamp_ms = 1790000000123) {
  Record r;
  r.op = op;
  r.origin = std::move(origin);
  r.stamp_ms = stamp_ms;
  r.data = std::move(data);
  return r;
}

// One UPSERT of every table, with every field set to something non-default.
inline std::vector<Record> sample_upserts() {
  StickySourceRecord ss{"app", kIpv4, "be1", 1800000};
  StickyLearnedRecord sl{"app", "JSESSIONID-0123456789abcdef", "be2", 60000};
  ConnectionRecord c;
  c.id = 0x0102030405060708;
  c.client = kIpv6;
  c.client_port = 54321;
  c.frontend = "web";
  c.pool = "app";
  c.server = "be1";
  c.started_ms = 1790000000000;
  c.bytes_to_server = 1234;
  c.bytes_to_client = 987654321;
  AdminRecord a{"app", "be2", AdminState::Drain, uint16_t{7}};
  AdminRecord a2{"app", "be3", AdminState::Disabled, std::nullopt};
  RateLimitRecord rl{"web", kIpv4, 2500, 999999999, 3};
  TicketKeyRecord tk;
  for (size_t i = 0; i < tk.name.size(); ++i) tk.name[i] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < tk.aes.size(); ++i) tk.aes[i] = static_cast<uint8_t>(0xA0 + i);
  for (size_t i = 0; i < tk.hmac.size(); ++i) tk.hmac[i] = static_cast<uint8_t>(0x50 + i);
  tk.created_ms = 1789999999000;
  tk.role = TicketRole::Previous;
  return {make_record(Op::Upsert, ss), make_record(Op::Upsert, sl), make_record(Op::Upsert, c, "lb-b", 5),
          make_record(Op::Upsert, a), make_record(Op::Upsert, a2), make_record(Op::Upsert, rl),
          make_record(Op::Upsert, tk)};
}

// One DELETE of every table (key fields only; value fields default).
inline std::vector<Record> sample_deletes() {
  TicketKeyRecord tk;
  tk.name.fill(0x42);
  ConnectionRecord c;
  c.id = 99;
  return {make_record(Op::Delete, StickySourceRecord{"app", kIpv6, "", 0}),
          make_record(Op::Delete, StickyLearnedRecord{"app", "c", "", 0}),
          make_record(Op::Delete, c),
          make_record(Op::Delete, AdminRecord{"app", "be1", AdminState::Enabled, std::nullopt}),
          make_record(Op::Delete, RateLimitRecord{"web", kIpv6, 0, 0, 0}),
          make_record(Op::Delete, tk)};
}

// One of every frame type, with every field set.
inline std::vector<Frame> sample_frames() {
  Hello h;
  h.node = "lb-a";
  h.min_version = 1;
  h.max_version = 1;
  h.wall_ms = 1790000000000;
  h.config_digest.fill(0xCC);
  h.pools.push_back({"app", {}});
  h.pools.back().digest.fill(0x11);
  h.pools.push_back({"static", {}});
  h.pools.back().digest.fill(0x22);
  Updates u;
  u.first_seq = 17;
  u.records = sample_upserts();
  for (Record& r : sample_deletes()) u.records.push_back(std::move(r));
  u.records.push_back(Record{Op::Upsert, "", 0, UnknownRecord{200, 9, std::string("\x00\x01opaque", 8)}});
  Heartbeat hb;
  hb.wall_ms = 1790000000500;
  hb.instances = {{"default", VrrpRole::Master}, {"internal", VrrpRole::Backup}};
  return {h,
          SnapshotBegin{7},
          u,
          SnapshotEnd{7, u.records.size()},
          Ack{u.first_seq + u.records.size() - 1},
          hb,
          Goodbye{GoodbyeReason::Shutdown, "stopping"}};
}

inline std::string encode_all(const std::vector<Frame>& frames) {
  std::string out;
  for (const Frame& f : frames) {
    if (!encode_frame(f, &out).ok()) return "<encode failed>";
  }
  return out;
}

// What a FrameDecoder made of a byte stream.
struct DecodeRun {
  std::vector<Frame> frames;
  bool failed = false;
  WireError error;
  size_t buffered = 0;
  uint64_t consumed = 0;
};

// Feeds `bytes` in slices of `slice` bytes (>= 1), taking every frame after
// each feed.
inline DecodeRun decode_stream(std::string_view bytes, size_t slice) {
  DecodeRun run;
  FrameDecoder d;
  Frame f;
  for (size_t at = 0; at < bytes.size() && !d.failed(); at += slice) {
    d.feed(bytes.substr(at, slice));
    while (d.next(&f) == DecodeStatus::Frame) run.frames.push_back(f);
  }
  run.failed = d.failed();
  run.error = d.error();
  run.buffered = d.buffered();
  run.consumed = d.consumed();
  return run;
}

}  // namespace tandem::sync::testing
