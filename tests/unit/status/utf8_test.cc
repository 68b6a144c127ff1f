#define BOOST_TEST_DYN_LINK
#include "daemon/status/utf8.h"

#include <boost/test/unit_test.hpp>

using tandem::status::display_width;
using tandem::status::is_valid_utf8;

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(accepts_well_formed_text) {
  BOOST_TEST(is_valid_utf8(""));
  BOOST_TEST(is_valid_utf8("show pools"));
  BOOST_TEST(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
}

BOOST_AUTO_TEST_CASE(rejects_malformed_sequences) {
  BOOST_TEST(!is_valid_utf8("\xff"));
  BOOST_TEST(!is_valid_utf8("\x80"));              // lone continuation
  BOOST_TEST(!is_valid_utf8("\xc3"));              // truncated
  BOOST_TEST(!is_valid_utf8("\xc0\xaf"));          // overlong
  BOOST_TEST(!is_valid_utf8("\xe0\x80\xaf"));      // overlong
  BOOST_TEST(!is_valid_utf8("\xed\xa0\x80"));      // surrogate
  BOOST_TEST(!is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  BOOST_TEST(!is_valid_utf8("ok\xe2\x82"));
}

BOOST_AUTO_TEST_CASE(width_counts_code_points) {
  BOOST_TEST(display_width("abc") == 3u);
  BOOST_TEST(display_width("caf\xc3\xa9") == 4u);
  BOOST_TEST(display_width("\xff\xff") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
