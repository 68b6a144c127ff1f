#define BOOST_TEST_DYN_LINK
#include "sync/updates_writer.h"

#include <boost/test/unit_test.hpp>
#include <limits>

#include "sync/frame_decoder.h"
#include "tests/unit/sync/wire_samples.h"

using namespace tandem::sync;
using namespace tandem::sync::testing;

namespace {

Updates decode_updates(const std::string& bytes) {
  Frame f;
  size_t used = 0;
  WireError e;
  BOOST_TEST_REQUIRE(to_string(decode_frame(bytes, &f, &used, &e)) == "frame", e.to_string());
  BOOST_TEST(used == bytes.size());
  return std::get<Updates>(f);
}

Record sticky(int i) {
  return make_record(Op::Upsert, StickySourceRecord{"app", kIpv4, "be" + std::to_string(i), 1000});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_updates_writer)

BOOST_AUTO_TEST_CASE(records_are_numbered_from_first_seq) {
  std::string out = "prefix";
  UpdatesWriter w(&out, 100);
  for (int i = 0; i < 3; ++i) BOOST_TEST(to_string(w.add(sticky(i))) == "added");
  BOOST_TEST(w.count() == 3u);
  BOOST_TEST(w.next_seq() == 103u);
  w.finish();
  BOOST_TEST(out.substr(0, 6) == "prefix");
  const Updates u = decode_updates(out.substr(6));
  BOOST_TEST(u.first_seq == 100u);
  BOOST_TEST_REQUIRE(u.records.size() == 3u);
  BOOST_TEST((u.records[2] == sticky(2)));
  // The same bytes as encode_updates.
  std::string again;
  BOOST_TEST(encode_updates(u, &again).ok());
  BOOST_TEST(again == out.substr(6));
}

BOOST_AUTO_TEST_CASE(a_full_frame_refuses_and_leaves_its_bytes_intact) {
  std::string out;
  std::string one;
  BOOST_TEST_REQUIRE(encode_record(sticky(1), &one).ok());
  const size_t target = 12 + 2 * one.size();  // room for two records
  UpdatesWriter w(&out, 1, target);
  BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  const size_t before = out.size();
  BOOST_TEST(to_string(w.add(sticky(1))) == "full");
  BOOST_TEST(out.size() == before);
  BOOST_TEST(w.next_seq() == 3u);
  w.finish();
  BOOST_TEST(decode_updates(out).records.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_first_record_over_a_small_target_still_goes) {
  std::string out;
  UpdatesWriter w(&out, 1, 1);
  BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  BOOST_TEST(to_string(w.add(sticky(2))) == "full");
  w.finish();
  BOOST_TEST(decode_updates(out).records.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_invalid_record_is_skipped_without_a_number) {
  std::string out;
  UpdatesWriter w(&out, 5);
  BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  const size_t before = out.size();
  BOOST_TEST(to_string(w.add(make_record(Op::Upsert, StickySourceRecord{"app", "bad", "be1", 1}))) == "invalid");
  BOOST_TEST(out.size() == before);
  BOOST_TEST(to_string(w.add(sticky(2))) == "added");
  w.finish();
  const Updates u = decode_updates(out);
  BOOST_TEST_REQUIRE(u.records.size() == 2u);
  BOOST_TEST((u.records[1] == sticky(2)));  // seq 6
}

BOOST_AUTO_TEST_CASE(an_empty_batch_leaves_nothing) {
  std::string out = "x";
  {
    UpdatesWriter w(&out, 1);
    BOOST_TEST(out.size() > 1u);  // the header is written at once
  }  // the destructor finishes
  BOOST_TEST(out == "x");
}

BOOST_AUTO_TEST_CASE(the_destructor_finishes_and_finish_is_idempotent) {
  std::string out;
  {
    UpdatesWriter w(&out, 1);
    BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  }
  const std::string once = out;
  BOOST_TEST(decode_updates(once).records.size() == 1u);
  UpdatesWriter w(&out, 2);
  BOOST_TEST(to_string(w.add(sticky(2))) == "added");
  w.finish();
  w.finish();
  BOOST_TEST(to_string(w.add(sticky(3))) == "full");  // nothing after finish
  BOOST_TEST(out.size() == 2 * once.size());
}

BOOST_AUTO_TEST_CASE(sequence_numbers_never_wrap) {
  std::string out;
  UpdatesWriter w(&out, std::numeric_limits<uint64_t>::max() - 1);
  BOOST_TEST(to_string(w.add(sticky(1))) == "added");
  BOOST_TEST(to_string(w.add(sticky(2))) == "added");  // seq 2^64 - 1
  BOOST_TEST(to_string(w.add(sticky(3))) == "full");
  w.finish();
  BOOST_TEST(decode_updates(out).records.size() == 2u);
  std::string none;
  UpdatesWriter zero(&none, 0);
  BOOST_TEST(to_string(zero.add(sticky(1))) == "full");  // seq 0 is never used
}

BOOST_AUTO_TEST_CASE(max_payload_is_capped_at_the_protocol_limit) {
  std::string out;
  UpdatesWriter w(&out, 1, SIZE_MAX);
  const Record big = make_record(Op::Upsert, StickyLearnedRecord{"app", std::string(kMaxCookieSize, 'c'), "be1", 1});
  size_t added = 0;
  while (w.add(big) == AddResult::Added) ++added;
  BOOST_TEST(w.payload_size() <= kMaxPayload);
  w.finish();
  BOOST_TEST(decode_updates(out).records.size() == added);
}

BOOST_AUTO_TEST_SUITE_END()
