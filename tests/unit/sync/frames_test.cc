#define BOOST_TEST_DYN_LINK
#include "sync/frames.h"

#include <boost/test/unit_test.hpp>
#include <limits>

#include "sync/frame_decoder.h"
#include "tests/unit/sync/wire_samples.h"

using namespace tandem::sync;
using namespace tandem::sync::testing;

namespace {

std::string encoded(const Frame& f) {
  std::string out;
  if (!encode_frame(f, &out).ok()) return "<refused>";
  return out;
}

// Decodes `bytes` as exactly one frame.
DecodeStatus decode_one(std::string_view bytes, Frame* f, WireError* e) {
  size_t used = 0;
  const DecodeStatus s = decode_frame(bytes, f, &used, e);
  if (s == DecodeStatus::Frame) BOOST_TEST(used == bytes.size());
  return s;
}

WireError payload_error(uint8_t type, std::string_view payload) {
  Frame f;
  WireError e;
  BOOST_TEST_REQUIRE(to_string(decode_one(frame_bytes(type, payload), &f, &e)) == to_string(DecodeStatus::Error));
  return e;
}

void expect_payload_error(uint8_t type, std::string_view payload, WireErrorCode code, std::string_view needle) {
  const WireError e = payload_error(type, payload);
  BOOST_TEST(to_string(e.code) == to_string(code), e.to_string());
  BOOST_TEST(e.detail.find(needle) != std::string::npos, "'" << needle << "' not in: " << e.to_string());
}

std::string refused(const Frame& f) {
  std::string out = "keep";
  const auto s = encode_frame(f, &out);
  BOOST_TEST(out == "keep");
  return s.ok() ? "" : s.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_frames)

BOOST_AUTO_TEST_CASE(every_frame_round_trips) {
  for (const Frame& f : sample_frames()) {
    const std::string bytes = encoded(f);
    BOOST_TEST_REQUIRE(bytes != "<refused>");
    Frame back;
    WireError e;
    BOOST_TEST_REQUIRE(to_string(decode_one(bytes, &back, &e)) == to_string(DecodeStatus::Frame), e.to_string());
    BOOST_TEST((back == f), to_string(type_of(f)));
    BOOST_TEST(encoded(back) == bytes);
  }
}

BOOST_AUTO_TEST_CASE(header_layout) {
  // docs/sync.md: "TS", version 1, type 5 (ACK), length 8, then seq.
  BOOST_TEST(encoded(Ack{0x0102030405060708}) ==
             std::string("TS\x01\x05\x00\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08", 16));
  BOOST_TEST(encoded(SnapshotBegin{3}) == frame_bytes(2, u64(3)));
  BOOST_TEST(encoded(SnapshotEnd{3, 40}) == frame_bytes(3, u64(3) + u64(40)));
}

BOOST_AUTO_TEST_CASE(the_example_of_the_spec) {
  // docs/sync.md section 8, byte for byte.
  const uint8_t expected[] = {
      0x54, 0x53, 0x01, 0x04, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x21, 0x00, 0x04, 0x6c, 0x62, 0x2d, 0x61, 0x00, 0x00,
      0x01, 0xa0, 0xc4, 0x50, 0x6c, 0x7b, 0x00, 0x03, 0x61, 0x70, 0x70, 0x04, 0x0a, 0x00, 0x00, 0x07,
      0x00, 0x03, 0x62, 0x65, 0x31, 0x00, 0x1b, 0x77, 0x40};
  Updates u;
  u.first_seq = 1;
  u.records = {make_record(Op::Upsert, StickySourceRecord{"app", kIpv4, "be1", 1800000}, "lb-a", 1790000000123)};
  BOOST_TEST(encoded(u) == std::string(reinterpret_cast<const char*>(expected), sizeof expected));
}

BOOST_AUTO_TEST_CASE(payload_layouts_match_the_spec) {
  const std::vector<Frame> s = sample_frames();
  const std::string cfg(32, '\xcc'), d1(32, '\x11'), d2(32, '\x22');
  BOOST_TEST(encoded(s[0]) == frame_bytes(1, str("lb-a") + u8(1) + u8(1) + u64(1790000000000) + cfg + u16(2) + str("app") +
                                                 d1 + str("static") + d2));
  BOOST_TEST(encoded(s[5]) ==
             frame_bytes(6, u64(1790000000500) + u16(2) + str("default") + u8(3) + str("internal") + u8(2)));
  BOOST_TEST(encoded(s[6]) == frame_bytes(7, u16(1) + str("stopping")));
  Updates u;
  u.first_seq = 9;
  u.records = {sample_upserts()[0]};
  std::string rec;
  BOOST_TEST_REQUIRE(encode_record(u.records[0], &rec).ok());
  BOOST_TEST(encoded(u) == updates_frame(9, {rec}));
}

BOOST_AUTO_TEST_CASE(too_short_and_too_long_payloads) {
  expect_payload_error(5, u32(1), WireErrorCode::Truncated, "ACK: seq");
  expect_payload_error(5, u64(1) + "x", WireErrorCode::TrailingBytes, "ACK: payload");
  expect_payload_error(2, "", WireErrorCode::Truncated, "SNAPSHOT_BEGIN: snapshot_id");
  expect_payload_error(3, u64(1), WireErrorCode::Truncated, "SNAPSHOT_END: records");
  expect_payload_error(6, u64(1), WireErrorCode::Truncated, "HEARTBEAT: instances");
  expect_payload_error(7, u16(1) + str("bye") + "?", WireErrorCode::TrailingBytes, "GOODBYE");
}

BOOST_AUTO_TEST_CASE(hello_bounds) {
  const std::string tail = u64(1) + std::string(32, 'd') + u16(0);
  expect_payload_error(1, str("") + u8(1) + u8(1) + tail, WireErrorCode::OutOfBounds, "HELLO: node: empty");
  expect_payload_error(1, str(std::string(256, 'n')) + u8(1) + u8(1) + tail, WireErrorCode::OutOfBounds, "node: length 256");
  expect_payload_error(1, str("a") + u8(0) + u8(1) + tail, WireErrorCode::OutOfBounds, "version");
  expect_payload_error(1, str("a") + u8(3) + u8(2) + tail, WireErrorCode::OutOfBounds, "version");
  // A count that cannot fit is refused before anything is reserved.
  expect_payload_error(1, str("a") + u8(1) + u8(1) + u64(1) + std::string(32, 'd') + u16(65535), WireErrorCode::Truncated,
                       "pools");
  expect_payload_error(1, str("a") + u8(1) + u8(1) + u64(1) + std::string(32, 'd') + u16(1) + str("") + std::string(32, 'x'),
                       WireErrorCode::OutOfBounds, "pools[0].pool: empty");
  // A range that includes versions this node does not speak is fine: the
  // link negotiates.
  Frame f;
  WireError e;
  BOOST_TEST(to_string(decode_one(frame_bytes(1, str("a") + u8(1) + u8(9) + tail), &f, &e)) == "frame");
  BOOST_TEST(std::get<Hello>(f).max_version == 9);
}

BOOST_AUTO_TEST_CASE(heartbeat_and_goodbye_bounds) {
  expect_payload_error(6, u64(1) + u16(1) + str("default") + u8(0), WireErrorCode::OutOfBounds, "instances[0].role");
  expect_payload_error(6, u64(1) + u16(1) + str("default") + u8(5), WireErrorCode::OutOfBounds, "role: unknown value 5");
  expect_payload_error(6, u64(1) + u16(1) + str("") + u8(3), WireErrorCode::OutOfBounds, "instance: empty");
  expect_payload_error(6, u64(1) + u16(2) + str("default") + u8(3), WireErrorCode::Truncated, "instances");
  expect_payload_error(7, u16(1) + str(std::string(1025, 't')), WireErrorCode::OutOfBounds, "text: length 1025 > 1024");
  // Unknown reason codes are kept (a newer peer may say more).
  Frame f;
  WireError e;
  BOOST_TEST(to_string(decode_one(frame_bytes(7, u16(999) + str("")), &f, &e)) == "frame");
  BOOST_TEST(static_cast<unsigned>(std::get<Goodbye>(f).reason) == 999u);
  BOOST_TEST(std::string(to_string(std::get<Goodbye>(f).reason)) == "unknown");
}

BOOST_AUTO_TEST_CASE(updates_bounds) {
  std::string rec;
  BOOST_TEST_REQUIRE(encode_record(sample_upserts()[0], &rec).ok());
  expect_payload_error(4, u64(0) + u32(1) + rec, WireErrorCode::OutOfBounds, "first_seq: 0");
  expect_payload_error(4, u64(1) + u32(0), WireErrorCode::OutOfBounds, "records: none");
  expect_payload_error(4, u64(std::numeric_limits<uint64_t>::max()) + u32(2) + rec + rec, WireErrorCode::OutOfBounds,
                       "2^64");
  expect_payload_error(4, u64(1) + u32(3) + rec + rec, WireErrorCode::Truncated, "records");
  expect_payload_error(4, u64(1) + u32(1) + rec + "x", WireErrorCode::TrailingBytes, "UPDATES: payload");
  expect_payload_error(4, u64(1) + u32(0xFFFFFFFF), WireErrorCode::Truncated, "cannot fit");
  // A bad record names its position and table.
  const std::string bad = record_bytes(1, 1, stamp() + str("app") + addr("xyz") + str("be1") + u32(1));
  expect_payload_error(4, u64(1) + u32(2) + rec + bad, WireErrorCode::OutOfBounds, "UPDATES: records[1].sticky_source: client");
  // The last possible sequence number is fine.
  Frame f;
  WireError e;
  BOOST_TEST(to_string(decode_one(updates_frame(std::numeric_limits<uint64_t>::max() - 1, {rec, rec}), &f, &e)) == "frame");
}

BOOST_AUTO_TEST_CASE(an_unknown_record_between_known_ones_keeps_its_sequence_number) {
  std::string a, b;
  BOOST_TEST_REQUIRE(encode_record(sample_upserts()[0], &a).ok());
  BOOST_TEST_REQUIRE(encode_record(sample_upserts()[1], &b).ok());
  Frame f;
  WireError e;
  BOOST_TEST_REQUIRE(to_string(decode_one(updates_frame(40, {a, record_bytes(42, 1, "future"), b}), &f, &e)) == "frame");
  const Updates& u = std::get<Updates>(f);
  BOOST_TEST_REQUIRE(u.records.size() == 3u);
  BOOST_TEST(std::holds_alternative<UnknownRecord>(u.records[1].data));
  BOOST_TEST((u.records[2] == sample_upserts()[1]));  // seq 42
}

BOOST_AUTO_TEST_CASE(the_encoder_refuses_out_of_bounds_frames) {
  Hello h;
  h.node = "";
  BOOST_TEST(refused(h).find("HELLO: node: empty") != std::string::npos);
  h.node = "a";
  h.min_version = 2;
  h.max_version = 1;
  BOOST_TEST(refused(h).find("version") != std::string::npos);
  h.min_version = 0;
  h.max_version = 0;
  BOOST_TEST(refused(h).find("version") != std::string::npos);
  BOOST_TEST(refused(Goodbye{GoodbyeReason::Internal, std::string(1025, 'x')}).find("text") != std::string::npos);
  Heartbeat hb;
  hb.instances = {{"x", static_cast<VrrpRole>(7)}};
  BOOST_TEST(refused(hb).find("HEARTBEAT: role") != std::string::npos);
  // Over 1 MiB in all: 5000 instances of 257 bytes.
  hb.instances.assign(5000, InstanceRole{std::string(255, 'i'), VrrpRole::Backup});
  BOOST_TEST(refused(hb).find("over 1048576") != std::string::npos);
  Updates u;
  u.first_seq = 0;
  u.records = {sample_upserts()[0]};
  BOOST_TEST(refused(u).find("first_seq") != std::string::npos);
  u.first_seq = 1;
  u.records.clear();
  BOOST_TEST(refused(u).find("none") != std::string::npos);
  u.records = {sample_upserts()[0], make_record(Op::Upsert, StickySourceRecord{"app", "", "be1", 1})};
  BOOST_TEST(refused(u).find("records[1]") != std::string::npos);
  u.records = {sample_upserts()[0], sample_upserts()[0]};
  u.first_seq = std::numeric_limits<uint64_t>::max();
  BOOST_TEST(refused(u).find("2^64") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_payload_of_exactly_the_limit_is_accepted) {
  // Pad an UPDATES frame with unknown records up to exactly 1 MiB.
  std::vector<std::string> recs;
  size_t payload = 12;
  while (payload + 4 + kMaxRecordBody <= kMaxPayload) {
    recs.push_back(record_bytes(99, 0, std::string(kMaxRecordBody, 'x')));
    payload += recs.back().size();
  }
  recs.push_back(record_bytes(99, 0, std::string(kMaxPayload - payload - 4, 'y')));
  const std::string bytes = updates_frame(1, recs);
  BOOST_TEST_REQUIRE(bytes.size() == kHeaderSize + kMaxPayload);
  Frame f;
  WireError e;
  BOOST_TEST(to_string(decode_one(bytes, &f, &e)) == "frame", e.to_string());
  BOOST_TEST(encoded(f) == bytes);
}

BOOST_AUTO_TEST_CASE(frame_and_enum_names) {
  BOOST_TEST(std::string(to_string(FrameType::SnapshotBegin)) == "SNAPSHOT_BEGIN");
  BOOST_TEST(std::string(to_string(static_cast<FrameType>(0))) == "unknown");
  BOOST_TEST(std::string(to_string(VrrpRole::Master)) == "master");
  BOOST_TEST(std::string(to_string(GoodbyeReason::NoCommonVersion)) == "no common protocol version");
  for (const Frame& f : sample_frames()) BOOST_TEST(is_valid(type_of(f)));
  BOOST_TEST(!is_valid(static_cast<FrameType>(8)));
}

BOOST_AUTO_TEST_SUITE_END()
