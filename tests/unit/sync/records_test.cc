#define BOOST_TEST_DYN_LINK
#include "sync/records.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "tests/unit/sync/wire_samples.h"

using namespace tandem::sync;
using namespace tandem::sync::testing;

namespace {

std::string encoded(const Record& r) {
  std::string out;
  if (!encode_record(r, &out).ok()) return "<refused>";
  return out;
}

// Decodes exactly one record from `bytes`; the error (if any) as text.
std::string decode_one(std::string_view bytes, Record* r) {
  FieldReader in(bytes);
  decode_record(in, r);
  in.end("after");
  return in.ok() ? "" : in.error().to_string();
}

WireError decode_error(std::string_view bytes) {
  Record r;
  FieldReader in(bytes);
  decode_record(in, &r);
  BOOST_TEST_REQUIRE(!in.ok());
  return in.error();
}

std::string refused(const Record& r) {
  std::string out = "keep";
  const auto s = encode_record(r, &out);
  BOOST_TEST(out == "keep");  // left as it was
  return s.ok() ? "" : s.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_records)

BOOST_AUTO_TEST_CASE(every_upsert_and_delete_round_trips) {
  std::vector<Record> all = sample_upserts();
  for (Record& r : sample_deletes()) all.push_back(r);
  for (const Record& r : all) {
    const std::string bytes = encoded(r);
    BOOST_TEST_REQUIRE(bytes != "<refused>");
    Record back;
    BOOST_TEST(decode_one(bytes, &back) == "");
    BOOST_TEST((back == r), "table " << int(r.table_id()) << " op " << to_string(r.op));
    BOOST_TEST(encoded(back) == bytes);
  }
}

BOOST_AUTO_TEST_CASE(sticky_source_layout_is_the_documented_one) {
  // docs/sync.md, "Example": the bytes of a sticky_source upsert.
  const Record r = make_record(Op::Upsert, StickySourceRecord{"app", kIpv4, "be1", 1800000}, "lb-a", 1790000000123);
  const std::string body = str("lb-a") + u64(1790000000123) + str("app") + addr(kIpv4) + str("be1") + u32(1800000);
  BOOST_TEST(encoded(r) == record_bytes(1, 1, body));
  BOOST_TEST(body.size() == 33u);
}

BOOST_AUTO_TEST_CASE(each_table_layout_matches_the_spec) {
  const std::vector<Record> ups = sample_upserts();
  // Layouts written out by hand from docs/sync.md.
  const auto& c = std::get<ConnectionRecord>(ups[2].data);
  BOOST_TEST(encoded(ups[2]) ==
             record_bytes(3, 1, stamp("lb-b", 5) + u64(c.id) + addr(kIpv6) + u16(54321) + str("web") + str("app") +
                                    str("be1") + u64(1790000000000) + u64(1234) + u64(987654321)));
  BOOST_TEST(encoded(ups[1]) ==
             record_bytes(2, 1, stamp("lb-a", 1790000000123) + str("app") + str("JSESSIONID-0123456789abcdef") +
                                    str("be2") + u32(60000)));
  BOOST_TEST(encoded(ups[3]) == record_bytes(4, 1, stamp("lb-a", 1790000000123) + str("app") + str("be2") + u8(2) + u8(1) + u16(7)));
  BOOST_TEST(encoded(ups[4]) == record_bytes(4, 1, stamp("lb-a", 1790000000123) + str("app") + str("be3") + u8(3) + u8(0) + u16(0)));
  BOOST_TEST(encoded(ups[5]) ==
             record_bytes(5, 1, stamp("lb-a", 1790000000123) + str("web") + addr(kIpv4) + u64(2500) + u64(999999999) + u32(3)));
  const auto& tk = std::get<TicketKeyRecord>(ups[6].data);
  const std::string name(tk.name.begin(), tk.name.end()), aes(tk.aes.begin(), tk.aes.end()),
      hmac(tk.hmac.begin(), tk.hmac.end());
  BOOST_TEST(encoded(ups[6]) == record_bytes(6, 1, stamp("lb-a", 1790000000123) + name + aes + hmac + u64(1789999999000) + u8(2)));
}

BOOST_AUTO_TEST_CASE(a_delete_carries_the_key_only) {
  const std::vector<Record> dels = sample_deletes();
  BOOST_TEST(encoded(dels[0]) == record_bytes(1, 2, stamp("lb-a", 1790000000123) + str("app") + addr(kIpv6)));
  BOOST_TEST(encoded(dels[2]) == record_bytes(3, 2, stamp("lb-a", 1790000000123) + u64(99)));
  BOOST_TEST(encoded(dels[5]) == record_bytes(6, 2, stamp("lb-a", 1790000000123) + std::string(16, '\x42')));
  // Value fields set on a DELETE are not sent (and so come back default).
  Record r = make_record(Op::Delete, AdminRecord{"app", "be1", AdminState::Disabled, uint16_t{3}});
  Record back;
  BOOST_TEST(decode_one(encoded(r), &back) == "");
  BOOST_TEST((std::get<AdminRecord>(back.data) == AdminRecord{"app", "be1", AdminState::Enabled, std::nullopt}));
}

BOOST_AUTO_TEST_CASE(a_delete_with_value_fields_is_refused) {
  const WireError e = decode_error(record_bytes(1, 2, stamp() + str("app") + addr(kIpv4) + str("be1") + u32(5)));
  BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::TrailingBytes));
}

BOOST_AUTO_TEST_CASE(an_unknown_table_is_kept_opaque_and_the_next_record_decodes) {
  const std::string unknown = record_bytes(77, 5, "\x01\x02\x03 anything at all");
  const std::string next = encoded(sample_upserts()[0]);
  const std::string bytes = unknown + next;
  FieldReader in(bytes);
  Record a, b;
  decode_record(in, &a);
  decode_record(in, &b);
  in.end("after");
  BOOST_TEST_REQUIRE(in.ok());
  BOOST_TEST(a.table_id() == 77);
  const auto* u = std::get_if<UnknownRecord>(&a.data);
  BOOST_TEST_REQUIRE(u != nullptr);
  BOOST_TEST(u->op == 5);
  BOOST_TEST(u->body == "\x01\x02\x03 anything at all");
  BOOST_TEST((b == sample_upserts()[0]));
  BOOST_TEST(encoded(a) == unknown);  // re-encoded as received
}

BOOST_AUTO_TEST_CASE(table_zero_and_empty_bodies_are_unknown_too) {
  Record r;
  BOOST_TEST(decode_one(record_bytes(0, 0, ""), &r) == "");
  BOOST_TEST(std::holds_alternative<UnknownRecord>(r.data));
  BOOST_TEST(decode_one(record_bytes(255, 255, ""), &r) == "");
  BOOST_TEST(r.table_id() == 255);
}

BOOST_AUTO_TEST_CASE(a_body_running_past_its_bytes_is_truncated) {
  // The record says 200 bytes; 10 are there.
  const std::string bytes = u8(1) + u8(1) + u16(200) + std::string(10, 'x');
  const WireError e = decode_error(bytes);
  BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::Truncated));
  BOOST_TEST(e.detail.find("body") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_field_never_reads_past_its_record_body) {
  // The server string claims 20 bytes: they exist after the record (in the
  // next one) but not inside this body.
  const std::string body = stamp() + str("app") + addr(kIpv4) + u16(20) + "be1";
  const std::string bytes = record_bytes(1, 1, body) + std::string(40, 'z');
  const WireError e = decode_error(bytes);
  BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::Truncated));
  BOOST_TEST(e.detail.find("sticky_source: server") != std::string::npos, e.detail);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_inside_a_known_body_are_refused) {
  const std::string body = stamp() + str("app") + addr(kIpv4) + str("be1") + u32(5) + "!";
  const WireError e = decode_error(record_bytes(1, 1, body));
  BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::TrailingBytes));
}

BOOST_AUTO_TEST_CASE(an_unknown_op_of_a_known_table_is_refused) {
  for (uint8_t op : {0, 3, 255}) {
    const WireError e = decode_error(record_bytes(3, op, stamp() + u64(1)));
    BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::OutOfBounds));
    BOOST_TEST(e.detail.find("op") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(field_bounds_are_checked_on_decode) {
  struct Case {
    const char* what;
    std::string body;
    uint8_t table;
  };
  const std::string ok_tail = addr(kIpv4) + str("be1") + u32(5);
  const Case cases[] = {
      {"origin", str("") + u64(1) + str("app") + ok_tail, 1},
      {"origin", str(std::string(256, 'n')) + u64(1) + str("app") + ok_tail, 1},
      {"pool", stamp() + str("") + ok_tail, 1},
      {"pool", stamp() + str(std::string(256, 'p')) + ok_tail, 1},
      {"client", stamp() + str("app") + addr("12345") + str("be1") + u32(5), 1},
      {"client", stamp() + str("app") + addr("") + str("be1") + u32(5), 1},
      {"server", stamp() + str("app") + addr(kIpv4) + str("") + u32(5), 1},
      {"cookie", stamp() + str("app") + str(std::string(4097, 'c')) + str("be1") + u32(5), 2},
      {"cookie", stamp() + str("app") + str("") + str("be1") + u32(5), 2},
      {"frontend", stamp() + u64(1) + addr(kIpv4) + u16(80) + str("") + str("") + str("") + u64(0) + u64(0) + u64(0), 3},
      {"state", stamp() + str("app") + str("be1") + u8(0) + u8(0) + u16(0), 4},
      {"state", stamp() + str("app") + str("be1") + u8(4) + u8(0) + u16(0), 4},
      {"weight", stamp() + str("app") + str("be1") + u8(1) + u8(2) + u16(0), 4},
      {"weight", stamp() + str("app") + str("be1") + u8(1) + u8(0) + u16(9), 4},
      {"client", stamp() + str("web") + addr(std::string(15, 'a')) + u64(0) + u64(0) + u32(0), 5},
      {"role", stamp() + std::string(16 + 32 + 32, 'k') + u64(0) + u8(3), 6},
      {"role", stamp() + std::string(16 + 32 + 32, 'k') + u64(0) + u8(0), 6},
  };
  for (const Case& c : cases) {
    const WireError e = decode_error(record_bytes(c.table, 1, c.body));
    BOOST_TEST(to_string(e.code) == to_string(WireErrorCode::OutOfBounds), c.what << ": " << e.to_string());
    BOOST_TEST(e.detail.find(c.what) != std::string::npos, c.what << ": " << e.to_string());
  }
}

BOOST_AUTO_TEST_CASE(the_largest_values_within_bounds_are_accepted) {
  StickyLearnedRecord sl{std::string(kMaxNameSize, 'p'), std::string(kMaxCookieSize, 'c'), std::string(kMaxNameSize, 's'),
                         std::numeric_limits<uint32_t>::max()};
  const Record r = make_record(Op::Upsert, sl, std::string(kMaxNameSize, 'o'), std::numeric_limits<uint64_t>::max());
  Record back;
  BOOST_TEST(decode_one(encoded(r), &back) == "");
  BOOST_TEST((back == r));
  // Connection: empty pool and server are allowed (not routed yet).
  ConnectionRecord c;
  c.client = kIpv4;
  c.frontend = "web";
  const Record cr = make_record(Op::Upsert, c);
  BOOST_TEST(decode_one(encoded(cr), &back) == "");
  BOOST_TEST((back == cr));
}

BOOST_AUTO_TEST_CASE(the_encoder_refuses_what_the_decoder_would) {
  BOOST_TEST(refused(make_record(Op::Upsert, StickySourceRecord{"app", "12345", "be1", 1})).find("client") != std::string::npos);
  BOOST_TEST(refused(make_record(Op::Upsert, StickySourceRecord{"", kIpv4, "be1", 1})).find("pool: empty") != std::string::npos);
  BOOST_TEST(refused(make_record(Op::Upsert, StickySourceRecord{"app", kIpv4, "", 1})).find("server: empty") != std::string::npos);
  BOOST_TEST(refused(make_record(Op::Upsert, StickySourceRecord{"app", kIpv4, "be1", 1}, "")).find("origin") != std::string::npos);
  BOOST_TEST(refused(make_record(Op::Upsert, StickyLearnedRecord{"app", std::string(4097, 'c'), "be1", 1})).find("cookie: length 4097 > 4096") != std::string::npos);
  BOOST_TEST(refused(make_record(Op::Upsert, AdminRecord{"app", "be1", static_cast<AdminState>(9), std::nullopt})).find("state") != std::string::npos);
  TicketKeyRecord tk;
  tk.role = static_cast<TicketRole>(0);
  BOOST_TEST(refused(make_record(Op::Upsert, tk)).find("role") != std::string::npos);
  BOOST_TEST(refused(make_record(static_cast<Op>(3), StickySourceRecord{"app", kIpv4, "be1", 1})).find("op") != std::string::npos);
  BOOST_TEST(refused(Record{Op::Upsert, "", 0, UnknownRecord{99, 1, std::string(kMaxRecordBody + 1, 'b')}}).find("body") != std::string::npos);
  BOOST_TEST(refused(Record{Op::Upsert, "", 0, UnknownRecord{3, 1, "x"}}).find("table: id 3 is not unknown") != std::string::npos);
  BOOST_TEST(check_record(sample_upserts()[0]).ok());
  BOOST_TEST(!check_record(make_record(Op::Upsert, StickySourceRecord{"app", "", "be1", 1})).ok());
}

BOOST_AUTO_TEST_CASE(last_writer_wins_order) {
  BOOST_TEST(stamp_newer(2, "a", 1, "z"));      // later time wins whatever the origin
  BOOST_TEST(!stamp_newer(1, "z", 2, "a"));
  BOOST_TEST(stamp_newer(5, "lb-b", 5, "lb-a"));  // tie: greater origin
  BOOST_TEST(!stamp_newer(5, "lb-a", 5, "lb-b"));
  BOOST_TEST(!stamp_newer(5, "lb-a", 5, "lb-a"));  // equal: not newer
  BOOST_TEST(stamp_newer(5, "lb-aa", 5, "lb-a"));  // a prefix sorts first
  // Unsigned byte order: 0xC3 (start of a UTF-8 letter) sorts after 'z'.
  BOOST_TEST(stamp_newer(5, "\xc3\xa9", 5, "z"));
}

BOOST_AUTO_TEST_CASE(millitokens_round_and_saturate) {
  BOOST_TEST(to_millitokens(2.5) == 2500u);
  BOOST_TEST(to_millitokens(0.0004) == 0u);
  BOOST_TEST(to_millitokens(0.0006) == 1u);
  BOOST_TEST(to_millitokens(-3) == 0u);
  BOOST_TEST(to_millitokens(std::nan("")) == 0u);
  BOOST_TEST(to_millitokens(1e30) == std::numeric_limits<uint64_t>::max());
  BOOST_TEST(to_millitokens(std::numeric_limits<double>::infinity()) == std::numeric_limits<uint64_t>::max());
  BOOST_TEST(from_millitokens(1000000) == 1000.0);
  BOOST_TEST(from_millitokens(to_millitokens(1e6)) == 1e6);
}

BOOST_AUTO_TEST_CASE(enum_names) {
  BOOST_TEST(std::string(to_string(Table::RateLimit)) == "rate_limit");
  BOOST_TEST(std::string(to_string(Op::Delete)) == "delete");
  BOOST_TEST(std::string(to_string(AdminState::Drain)) == "drain");
  BOOST_TEST(std::string(to_string(TicketRole::Current)) == "current");
  BOOST_TEST(std::string(to_string(static_cast<Table>(0))) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
