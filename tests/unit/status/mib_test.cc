#define BOOST_TEST_DYN_LINK
#include "daemon/status/mib.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/status/printers.h"

using tandem::status::MibType;
using tandem::status::MibValue;
using tandem::status::MibView;
using tandem::status::Oid;

namespace {

Oid O(const char* s) { return *Oid::parse(s); }

}  // namespace

BOOST_AUTO_TEST_SUITE(mib)

// The golden table: each type exactly as net-snmp 5.9 prints it with -On.
BOOST_AUTO_TEST_CASE(formats_every_type_like_net_snmp) {
  BOOST_TEST(MibValue::integer(5).format() == "INTEGER: 5");
  BOOST_TEST(MibValue::integer(-17).format() == "INTEGER: -17");
  BOOST_TEST(MibValue::gauge32(3).format() == "Gauge32: 3");
  BOOST_TEST(MibValue::counter32(7).format() == "Counter32: 7");
  BOOST_TEST(MibValue::counter64(12345).format() == "Counter64: 12345");
  BOOST_TEST(MibValue::counter64(18446744073709551615ull).format() == "Counter64: 18446744073709551615");
  BOOST_TEST(MibValue::timeticks(12345).format() == "Timeticks: (12345) 0:02:03.45");
  BOOST_TEST(MibValue::timeticks(0).format() == "Timeticks: (0) 0:00:00.00");
  BOOST_TEST(MibValue::timeticks(8640000).format() == "Timeticks: (8640000) 1 day, 0:00:00.00");
  BOOST_TEST(MibValue::timeticks(17280000 + 366100 + 7).format() == "Timeticks: (17646107) 2 days, 1:01:01.07");
  BOOST_TEST(MibValue::string("lb-a").format() == "STRING: \"lb-a\"");
  BOOST_TEST(MibValue::string("a \"b\" \\c").format() == "STRING: \"a \\\"b\\\" \\\\c\"");
  BOOST_TEST(MibValue::string("tab\there").format() == "STRING: \"tab\there\"");
  BOOST_TEST(MibValue::string("").format() == "\"\"");
  BOOST_TEST(MibValue::oid(O("1.3.6.1.2.1.207")).format() == "OID: .1.3.6.1.2.1.207");
}

BOOST_AUTO_TEST_CASE(unprintable_strings_print_as_hex_like_net_snmp) {
  BOOST_TEST(MibValue::string(std::string("\x00\x01\xff", 3)).format() == "Hex-STRING: 00 01 FF ");
  BOOST_TEST(MibValue::string("caf\xc3\xa9").format() == "Hex-STRING: 63 61 66 C3 A9 ");
  // 16 bytes: no trailing space; more: a line break after each full 16.
  std::string s16(16, '\x01');
  BOOST_TEST(MibValue::string(s16).format() ==
             "Hex-STRING: 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01");
  std::string s17 = s16 + '\x02';
  BOOST_TEST(MibValue::string(s17).format() ==
             "Hex-STRING: 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01\n02 ");
  // Our one deviation: CR/LF would break the line protocol, so hex.
  BOOST_TEST(MibValue::string("a\nb").format() == "Hex-STRING: 61 0A 62 ");
}

BOOST_AUTO_TEST_CASE(values_are_kept_in_range_the_smi_way) {
  BOOST_TEST(MibValue::integer(5'000'000'000).format() == "INTEGER: 2147483647");
  BOOST_TEST(MibValue::integer(-5'000'000'000).format() == "INTEGER: -2147483648");
  BOOST_TEST(MibValue::gauge32(5'000'000'000).format() == "Gauge32: 4294967295");      // latches
  BOOST_TEST(MibValue::counter32(4294967296ull + 9).format() == "Counter32: 9");       // wraps
  BOOST_TEST(MibValue::timeticks(4294967296ull + 1).format() == "Timeticks: (1) 0:00:00.01");
  BOOST_TEST((MibValue::counter32(1).type() == MibType::Counter32));
  BOOST_TEST(std::string(to_string(MibType::TimeTicks)) == "Timeticks");
  BOOST_TEST(std::string(to_string(MibType::OctetString)) == "STRING");
}

namespace {

// A view added to out of order, as the daemon may.
MibView sample() {
  MibView v;
  v.add(O("1.3.6.1.4.1.32473.7.1.10.0"), MibValue::counter32(10));
  v.add(O("1.3.6.1.4.1.32473.7.1.2.0"), MibValue::string("lb-a"));
  v.add(O("1.3.6.1.4.1.32473.7.1.9.0"), MibValue::integer(9));
  v.add(O("1.3.6.1.2.1.207.1.1.1"), MibValue::integer(3));
  v.add(O("1.3.6.1.4.1.32473.7.1.2"), MibValue::integer(1));  // a node and a child of it
  v.add(O("1.3.6.1.4.1.32473.7.3.1.2.1"), MibValue::string("app"));
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(get_exact_or_no_such_object) {
  MibView v = sample();
  BOOST_TEST(v.get_line(O("1.3.6.1.4.1.32473.7.1.2.0")) == ".1.3.6.1.4.1.32473.7.1.2.0 = STRING: \"lb-a\"");
  BOOST_TEST(v.get_line(O(".1.3.6.1.4.1.32473.7.1.3.0")) ==
             ".1.3.6.1.4.1.32473.7.1.3.0 = No Such Object available on this agent at this OID");
  BOOST_TEST(v.get(O("1.3.6.1.4.1.32473.7")) == nullptr);  // an inner node is no object
}

BOOST_AUTO_TEST_CASE(next_is_strictly_greater_in_component_order) {
  MibView v = sample();
  BOOST_TEST(v.next_line(O("1")) == ".1.3.6.1.2.1.207.1.1.1 = INTEGER: 3");
  BOOST_TEST(v.next_line(O("1.3.6.1.4.1.32473.7.1.2")) == ".1.3.6.1.4.1.32473.7.1.2.0 = STRING: \"lb-a\"");
  BOOST_TEST(v.next_line(O("1.3.6.1.4.1.32473.7.1.2.0")) == ".1.3.6.1.4.1.32473.7.1.9.0 = INTEGER: 9");
  BOOST_TEST(v.next_line(O("1.3.6.1.4.1.32473.7.1.9.0")) == ".1.3.6.1.4.1.32473.7.1.10.0 = Counter32: 10");
  BOOST_TEST(v.next_line(O("1.3.6.1.4.1.32473.7.3.1.2.1")) ==
             ".1.3.6.1.4.1.32473.7.3.1.2.1 = No more variables left in this MIB View "
             "(It is past the end of the MIB tree)");
  BOOST_TEST(v.next(O("2")) == nullptr);
}

BOOST_AUTO_TEST_CASE(chained_next_visits_every_entry_once_in_order) {
  MibView v = sample();
  std::vector<Oid> seen;
  Oid at;  // the empty OID sorts before everything
  for (size_t guard = 0; guard < 100; ++guard) {
    const auto* e = v.next(at);
    if (!e) break;
    seen.push_back(e->oid);
    at = e->oid;
  }
  BOOST_REQUIRE(seen.size() == v.size());
  BOOST_TEST(seen.size() == 6u);
  for (size_t i = 1; i < seen.size(); ++i) BOOST_TEST((seen[i - 1] < seen[i]));
  BOOST_TEST(seen[1] == O("1.3.6.1.4.1.32473.7.1.2"));
  BOOST_TEST(seen[2] == O("1.3.6.1.4.1.32473.7.1.2.0"));
}

BOOST_AUTO_TEST_CASE(walk_lists_the_subtree_a_leaf_or_no_such_object) {
  MibView v = sample();
  std::string out;
  v.walk_lines(O("1.3.6.1.4.1.32473.7.1"), out);
  BOOST_TEST(out ==
             ".1.3.6.1.4.1.32473.7.1.2 = INTEGER: 1\n"
             ".1.3.6.1.4.1.32473.7.1.2.0 = STRING: \"lb-a\"\n"
             ".1.3.6.1.4.1.32473.7.1.9.0 = INTEGER: 9\n"
             ".1.3.6.1.4.1.32473.7.1.10.0 = Counter32: 10\n");
  out.clear();
  v.walk_lines(O("1.3.6.1.4.1.32473.7.1.9.0"), out);  // a leaf: just it, like snmpwalk
  BOOST_TEST(out == ".1.3.6.1.4.1.32473.7.1.9.0 = INTEGER: 9\n");
  out.clear();
  v.walk_lines(O("1.3.6.1.4.1.32473.7.1.1"), out);  // not .1.10: components, not text
  BOOST_TEST(out == ".1.3.6.1.4.1.32473.7.1.1 = No Such Object available on this agent at this OID\n");
  BOOST_TEST(v.subtree(Oid{}).size() == 6u);
}

BOOST_AUTO_TEST_CASE(a_later_add_of_the_same_oid_replaces) {
  MibView v;
  v.add(O("1.2"), MibValue::integer(1));
  v.add(O("1.1"), MibValue::integer(2));
  v.add(O("1.2"), MibValue::integer(3));
  BOOST_TEST(v.size() == 2u);
  BOOST_TEST(v.get_line(O("1.2")) == ".1.2 = INTEGER: 3");
  v.add(O("1.0"), MibValue::integer(4));  // adding after a query re-sorts
  BOOST_TEST(v.next_line(Oid{1}) == ".1.0 = INTEGER: 4");
}

BOOST_AUTO_TEST_SUITE_END()
