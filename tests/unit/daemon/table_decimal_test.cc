#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "daemon/status/table.h"

using tandem::status::Cell;
using tandem::status::Table;

// Decimal cells of status tables (daemon/status/table.h), used for rates.
BOOST_AUTO_TEST_SUITE(table_decimal)

BOOST_AUTO_TEST_CASE(decimals_are_right_aligned_numbers_with_fixed_places) {
  Table t({"name", "rate"});
  t.add_row({"a", Cell::decimal(12.345, 1)});
  t.add_row({"bb", Cell::decimal(0.05, 2)});
  t.add_row({"c", Cell::decimal(1234.5, 0)});  // rounds half to even: 1234
  t.add_row({"d", Cell::null()});
  BOOST_TEST(t.to_text() ==
             "NAME  RATE\n"
             "a     12.3\n"
             "bb    0.05\n"
             "c     1234\n"
             "d        -\n");
  BOOST_TEST(t.to_json() ==
             "[{\"name\":\"a\",\"rate\":12.3},{\"name\":\"bb\",\"rate\":0.05},{\"name\":\"c\",\"rate\":1234},"
             "{\"name\":\"d\",\"rate\":null}]");
}

BOOST_AUTO_TEST_CASE(nan_and_infinity_are_null) {
  Table t({"rate"});
  t.add_row({Cell::decimal(std::numeric_limits<double>::quiet_NaN())});
  t.add_row({Cell::decimal(std::numeric_limits<double>::infinity())});
  t.add_row({Cell::decimal(2.0)});
  BOOST_TEST(t.to_json() == "[{\"rate\":null},{\"rate\":null},{\"rate\":2.0}]");
  BOOST_TEST(t.to_text() == "RATE\n   -\n   -\n 2.0\n");
}

BOOST_AUTO_TEST_CASE(places_are_clamped_to_0_to_9) {
  Table t({"v"});
  t.add_row({Cell::decimal(1.5, -3)});
  t.add_row({Cell::decimal(0.5, 40)});
  BOOST_TEST(t.to_json() == "[{\"v\":2},{\"v\":0.500000000}]");
}

BOOST_AUTO_TEST_SUITE_END()
