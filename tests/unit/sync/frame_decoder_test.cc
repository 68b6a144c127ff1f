#define BOOST_TEST_DYN_LINK
#include "sync/frame_decoder.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/sync/wire_samples.h"

using namespace tandem::sync;
using namespace tandem::sync::testing;

namespace {

// Feeds `bytes` one at a time; returns the status of next() after each byte
// (one status per byte) until the first non-NeedMore.
std::vector<DecodeStatus> byte_by_byte(std::string_view bytes, FrameDecoder& d, Frame* f) {
  std::vector<DecodeStatus> seen;
  for (char c : bytes) {
    d.feed(std::string_view(&c, 1));
    seen.push_back(d.next(f));
    if (seen.back() != DecodeStatus::NeedMore) break;
  }
  return seen;
}

// The header error `bytes` cause, and after how many bytes it showed.
std::pair<WireErrorCode, size_t> header_error(std::string_view bytes) {
  FrameDecoder d;
  Frame f;
  const auto seen = byte_by_byte(bytes, d, &f);
  BOOST_TEST_REQUIRE(d.failed());
  return {d.error().code, seen.size()};
}

bool same(const DecodeRun& a, const DecodeRun& b) {
  return a.frames == b.frames && a.failed == b.failed && a.error == b.error && a.buffered == b.buffered &&
         a.consumed == b.consumed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_frame_decoder)

BOOST_AUTO_TEST_CASE(bad_magic_is_refused_at_the_first_wrong_byte) {
  auto [code, at] = header_error("GET / HTTP/1.1\r\n");
  BOOST_TEST(to_string(code) == to_string(WireErrorCode::BadMagic));
  BOOST_TEST(at == 1u);
  std::tie(code, at) = header_error("TX\x01\x05");
  BOOST_TEST(to_string(code) == to_string(WireErrorCode::BadMagic));
  BOOST_TEST(at == 2u);
  // The detail is the same whether the second byte came with the first.
  FrameDecoder d1, d2;
  Frame f1;
  d1.feed("GE");
  d2.feed("G");
  BOOST_TEST(to_string(d1.next(&f1)) == "error");
  BOOST_TEST(to_string(d2.next(&f1)) == "error");
  BOOST_TEST((d1.error() == d2.error()));
  FrameDecoder d;
  Frame f;
  d.feed("\x16\x03\x01");  // a TLS ClientHello sent to a plain-text port
  BOOST_TEST(to_string(d.next(&f)) == "error");
  BOOST_TEST(d.error().to_string() == "bad magic: 0x16 (expected \"TS\")");
}

BOOST_AUTO_TEST_CASE(an_unsupported_version_is_refused_at_its_byte) {
  for (uint8_t v : {0, 2, 255}) {
    auto [code, at] = header_error(frame_bytes(5, u64(1), v));
    BOOST_TEST(to_string(code) == to_string(WireErrorCode::UnsupportedVersion));
    BOOST_TEST(at == 3u);
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_frame_type_is_refused_at_its_byte) {
  for (uint8_t t : {0, 8, 200}) {
    auto [code, at] = header_error(frame_bytes(t, u64(1)));
    BOOST_TEST(to_string(code) == to_string(WireErrorCode::UnknownFrameType));
    BOOST_TEST(at == 4u);
  }
}

BOOST_AUTO_TEST_CASE(an_oversize_length_is_refused_before_the_payload_arrives) {
  auto [code, at] = header_error(std::string("TS\x01\x04", 4) + u32(kMaxPayload + 1));
  BOOST_TEST(to_string(code) == to_string(WireErrorCode::Oversize));
  BOOST_TEST(at == 8u);
  std::tie(code, at) = header_error(std::string("TS\x01\x04", 4) + u32(0xFFFFFFFF));
  BOOST_TEST(to_string(code) == to_string(WireErrorCode::Oversize));
  // Exactly the limit: waits for the payload, holding only what arrived.
  FrameDecoder d;
  Frame f;
  d.feed(std::string("TS\x01\x04", 4) + u32(kMaxPayload) + "abc");
  BOOST_TEST(to_string(d.next(&f)) == "need more");
  BOOST_TEST(d.buffered() == 11u);
}

BOOST_AUTO_TEST_CASE(a_stream_ending_inside_a_frame_is_visible) {
  const std::string ack = frame_bytes(5, u64(3));
  FrameDecoder d;
  Frame f;
  d.feed(ack.substr(0, 10));
  BOOST_TEST(to_string(d.next(&f)) == "need more");
  BOOST_TEST(d.buffered() == 10u);
  BOOST_TEST(!d.failed());
  d.feed(ack.substr(10));
  BOOST_TEST(to_string(d.next(&f)) == "frame");
  BOOST_TEST(d.buffered() == 0u);
  BOOST_TEST(d.consumed() == ack.size());
}

BOOST_AUTO_TEST_CASE(slicing_never_changes_the_frames) {
  const std::string bytes = encode_all(sample_frames());
  BOOST_TEST_REQUIRE(bytes != "<encode failed>");
  const DecodeRun whole = decode_stream(bytes, bytes.size());
  BOOST_TEST(!whole.failed);
  BOOST_TEST((whole.frames == sample_frames()));
  BOOST_TEST(whole.consumed == bytes.size());
  BOOST_TEST(whole.buffered == 0u);
  for (size_t slice : {1, 2, 3, 7, 8, 9, 64, 1000}) BOOST_TEST(same(decode_stream(bytes, slice), whole), "slice " << slice);
}

BOOST_AUTO_TEST_CASE(slicing_never_changes_where_an_error_is_found) {
  std::string good = encode_all(sample_frames());
  // Valid frames, then one whose record has a bad address, then more.
  const std::string bad = updates_frame(1, {record_bytes(1, 1, stamp() + str("app") + addr("xyz") + str("be1") + u32(1))});
  const std::string bytes = good + bad + good;
  const DecodeRun whole = decode_stream(bytes, bytes.size());
  BOOST_TEST(whole.failed);
  BOOST_TEST(to_string(whole.error.code) == to_string(WireErrorCode::OutOfBounds));
  BOOST_TEST(whole.frames.size() == sample_frames().size());
  BOOST_TEST(whole.consumed == good.size());
  for (size_t slice : {1, 5, 13, 100}) BOOST_TEST(same(decode_stream(bytes, slice), whole), "slice " << slice);
  // A header error after good frames.
  const std::string bytes2 = good + "TS\x01\x09" + good;
  const DecodeRun whole2 = decode_stream(bytes2, bytes2.size());
  BOOST_TEST(to_string(whole2.error.code) == to_string(WireErrorCode::UnknownFrameType));
  for (size_t slice : {1, 3}) BOOST_TEST(same(decode_stream(bytes2, slice), whole2), "slice " << slice);
}

BOOST_AUTO_TEST_CASE(an_error_is_final) {
  FrameDecoder d;
  Frame f;
  d.feed("XX");
  BOOST_TEST(to_string(d.next(&f)) == "error");
  const WireError first = d.error();
  d.feed(frame_bytes(5, u64(1)));
  BOOST_TEST(to_string(d.next(&f)) == "error");
  BOOST_TEST((d.error() == first));
  BOOST_TEST(d.buffered() == 0u);  // nothing kept after the error
}

BOOST_AUTO_TEST_CASE(several_frames_in_one_feed_come_out_one_by_one) {
  FrameDecoder d;
  Frame f;
  d.feed(frame_bytes(5, u64(1)) + frame_bytes(5, u64(2)) + frame_bytes(5, u64(3)).substr(0, 5));
  BOOST_TEST(to_string(d.next(&f)) == "frame");
  BOOST_TEST(std::get<Ack>(f).seq == 1u);
  BOOST_TEST(to_string(d.next(&f)) == "frame");
  BOOST_TEST(std::get<Ack>(f).seq == 2u);
  BOOST_TEST(to_string(d.next(&f)) == "need more");
  BOOST_TEST(d.buffered() == 5u);
}

BOOST_AUTO_TEST_CASE(decode_frame_reports_the_size_it_used) {
  const std::string two = frame_bytes(5, u64(1)) + frame_bytes(2, u64(4));
  Frame f;
  size_t used = 99;
  WireError e;
  BOOST_TEST(to_string(decode_frame(two, &f, &used, &e)) == "frame");
  BOOST_TEST(used == 16u);
  BOOST_TEST(to_string(decode_frame(std::string_view(two).substr(used), &f, &used, &e)) == "frame");
  BOOST_TEST(std::get<SnapshotBegin>(f).snapshot_id == 4u);
  BOOST_TEST(to_string(decode_frame("", &f, &used, &e)) == "need more");
  BOOST_TEST(used == 0u);
}

BOOST_AUTO_TEST_CASE(error_texts_name_the_frame_and_field) {
  FrameDecoder d;
  Frame f;
  d.feed(frame_bytes(1, str("") + u8(1) + u8(1) + u64(0) + std::string(32, 'd') + u16(0)));
  BOOST_TEST(to_string(d.next(&f)) == "error");
  BOOST_TEST(d.error().to_string() == "field out of bounds: HELLO: node: empty");
  FrameDecoder d2;
  d2.feed(frame_bytes(5, u64(1), 2));
  BOOST_TEST(to_string(d2.next(&f)) == "error");
  BOOST_TEST(d2.error().to_string() == "unsupported version: version 2 (this node speaks 1)");
}

BOOST_AUTO_TEST_SUITE_END()
