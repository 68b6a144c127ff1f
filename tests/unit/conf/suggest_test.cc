#define BOOST_TEST_DYN_LINK
#include "conf/suggest.h"

#include <boost/test/unit_test.hpp>

namespace conf = tandem::conf;

BOOST_AUTO_TEST_SUITE(suggest)

BOOST_AUTO_TEST_CASE(edit_distance_counts_edits_and_swaps) {
  BOOST_TEST(conf::edit_distance("", "") == 0u);
  BOOST_TEST(conf::edit_distance("abc", "abc") == 0u);
  BOOST_TEST(conf::edit_distance("abc", "ABC") == 0u);
  BOOST_TEST(conf::edit_distance("timout", "timeout") == 1u);
  BOOST_TEST(conf::edit_distance("sevrer", "server") == 1u);
  BOOST_TEST(conf::edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(conf::edit_distance("", "abc") == 3u);
}

BOOST_AUTO_TEST_CASE(suggests_only_obvious_matches) {
  const std::string_view keys[] = {"timeout_connect", "timeout_server", "retries", "server", "pool"};
  BOOST_TEST(conf::closest_match("timout_connect", keys) == "timeout_connect");
  BOOST_TEST(conf::closest_match("timeout_sever", keys) == "timeout_server");
  BOOST_TEST(conf::closest_match("Server", keys) == "server");
  BOOST_TEST(conf::closest_match("retry", keys) == "");  // 3 edits: not obvious
  BOOST_TEST(conf::closest_match("xyz", keys) == "");
  BOOST_TEST(conf::closest_match("", keys) == "");
  BOOST_TEST(conf::closest_match(std::string(1000, 'a'), keys) == "");
  BOOST_TEST(conf::did_you_mean("pol", keys) == " (did you mean 'pool'?)");
  const std::string_view levels[] = {"debug", "info", "notice", "warning", "error"};
  BOOST_TEST(conf::closest_match("warn", levels) == "warning");  // an abbreviation
  BOOST_TEST(conf::closest_match("timeout", keys) == "");        // abbreviates two
  BOOST_TEST(conf::did_you_mean("zzzz", keys) == "");
}

BOOST_AUTO_TEST_SUITE_END()
