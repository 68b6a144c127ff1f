#define BOOST_TEST_DYN_LINK
#include "daemon/status/json.h"

#include <boost/test/unit_test.hpp>

#include <cstdint>

using tandem::status::append_json_string;
using tandem::status::JsonWriter;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(escapes_quotes_backslashes_and_control_characters) {
  BOOST_TEST(quoted("plain") == "\"plain\"");
  BOOST_TEST(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  BOOST_TEST(quoted("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  BOOST_TEST(quoted(std::string_view("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\\u007f\"");
  BOOST_TEST(quoted("/") == "\"/\"");
}

BOOST_AUTO_TEST_CASE(keeps_utf8_and_replaces_malformed_bytes) {
  BOOST_TEST(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  BOOST_TEST(quoted("a\xff" "b") == "\"a\xef\xbf\xbd" "b\"");
  BOOST_TEST(quoted("\xc3") == "\"\xef\xbf\xbd\"");          // truncated sequence
  BOOST_TEST(quoted("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // overlong '/'
}

BOOST_AUTO_TEST_CASE(writes_nested_structures_with_commas) {
  JsonWriter w;
  w.begin_object();
  w.key("name");
  w.value("lb-a");
  w.key("n");
  w.value(-3);
  w.key("big");
  w.value(UINT64_MAX);
  w.key("up");
  w.value(true);
  w.key("down");
  w.value(false);
  w.key("none");
  w.null();
  w.key("list");
  w.begin_array();
  w.value(1u);
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.value(std::string("x"));
  w.end_array();
  w.end_object();
  BOOST_TEST(w.str() ==
             "{\"name\":\"lb-a\",\"n\":-3,\"big\":18446744073709551615,\"up\":true,\"down\":false,"
             "\"none\":null,\"list\":[1,{},[],\"x\"]}");
}

BOOST_AUTO_TEST_CASE(keys_are_escaped_too) {
  JsonWriter w;
  w.begin_object();
  w.key("a\"b");
  w.value(int64_t{1});
  w.end_object();
  BOOST_TEST(w.take() == "{\"a\\\"b\":1}");
}

BOOST_AUTO_TEST_SUITE_END()
