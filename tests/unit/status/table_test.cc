#define BOOST_TEST_DYN_LINK
#include "daemon/status/table.h"

#include <boost/test/unit_test.hpp>

#include <cstdint>

using tandem::status::Cell;
using tandem::status::Table;

BOOST_AUTO_TEST_SUITE(table)

BOOST_AUTO_TEST_CASE(text_aligns_columns_numbers_right) {
  Table t({"pool", "server", "weight", "up", "active_conns"});
  t.add_row({"app", "be1", 10, true, uint64_t{3}});
  t.add_row({"application", "be22", 5, false, uint64_t{12345}});
  BOOST_TEST(t.to_text() ==
             "POOL         SERVER  WEIGHT  UP   ACTIVE_CONNS\n"
             "app          be1         10  yes             3\n"
             "application  be22         5  no          12345\n");
}

BOOST_AUTO_TEST_CASE(text_has_no_trailing_spaces_empty_fields_or_broken_lines) {
  Table t({"name", "note"});
  t.add_row({"a", ""});
  t.add_row({"bbb", "two\nlines"});
  t.add_row({"c", Cell::null()});
  BOOST_TEST(t.to_text() ==
             "NAME  NOTE\n"
             "a     -\n"
             "bbb   two?lines\n"
             "c     -\n");
}

BOOST_AUTO_TEST_CASE(text_measures_utf8_in_characters) {
  Table t({"name", "n"});
  t.add_row({"caf\xc3\xa9", 1});
  t.add_row({"ab", 22});
  BOOST_TEST(t.to_text() ==
             "NAME   N\n"
             "caf\xc3\xa9   1\n"
             "ab    22\n");
}

BOOST_AUTO_TEST_CASE(an_empty_table_is_its_header_or_an_empty_array) {
  Table t({"pool", "servers"});
  BOOST_TEST(t.to_text() == "POOL  SERVERS\n");
  BOOST_TEST(t.to_json() == "[]");
}

BOOST_AUTO_TEST_CASE(json_is_one_line_with_typed_values) {
  Table t({"pool", "weight", "up", "bytes", "note"});
  t.add_row({"a\"pp", -1, true, uint64_t{18446744073709551615ull}, Cell::null()});
  t.add_row({std::string("b"), 0, false, uint64_t{0}, std::string_view("x")});
  BOOST_TEST(t.to_json() ==
             "[{\"pool\":\"a\\\"pp\",\"weight\":-1,\"up\":true,\"bytes\":18446744073709551615,\"note\":null},"
             "{\"pool\":\"b\",\"weight\":0,\"up\":false,\"bytes\":0,\"note\":\"x\"}]");
  BOOST_TEST(t.render(true) == t.to_json());
  BOOST_TEST(t.render(false) == t.to_text());
  BOOST_TEST(t.rows() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
