#define BOOST_TEST_DYN_LINK
#include "conf/config.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/conf/conf_test_util.h"

using namespace tandem::conf::testing;

namespace {

// Checks that `errors` is exactly one error, starting with `prefix` (the
// "FILE:LINE: [SECTION] KEY:" part) and containing `gist`.
void expect_one(const std::vector<std::string>& errors, std::string_view prefix, std::string_view gist) {
  BOOST_TEST_INFO("errors: " << errors.size() << (errors.empty() ? std::string() : ", first: " + errors[0]));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].rfind(prefix, 0) == 0, errors[0] << " does not start with " << prefix);
  BOOST_TEST(errors[0].find(gist) != std::string::npos, errors[0] << " does not contain " << gist);
}

// A valid config with `extra` lines appended to the [pool:app] section
// (the first extra line is line 6).
std::string pool_with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool, kPool, kServer});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

// The same, appended to [frontend:web] (first extra line is line 4).
std::string frontend_with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool});
  for (auto l : extra) text.append(l).append("\n");
  return text + lines({kPool, kServer});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(the_base_config_is_valid) { BOOST_TEST(errors_of(pool_with({})).empty()); }

BOOST_AUTO_TEST_CASE(unknown_key_suggests_the_closest) {
  expect_one(errors_of(pool_with({"timout_connect = 5s"})), "t.ini:6: [pool:app] timout_connect: ",
             "unknown key 'timout_connect' (did you mean 'timeout_connect'?)");
  expect_one(errors_of(pool_with({"frobnicate = 1"})), "t.ini:6: [pool:app] frobnicate: ", "unknown key 'frobnicate'");
}

BOOST_AUTO_TEST_CASE(key_of_another_section_says_where_it_belongs) {
  expect_one(errors_of(pool_with({"timeout_client = 5s"})), "t.ini:6: [pool:app] timeout_client: ",
             "belongs in [frontend:NAME]");
  expect_one(errors_of(frontend_with({"server = b 127.0.0.1:1"})), "t.ini:4: [frontend:web] server: ",
             "belongs in [pool:NAME]");
}

BOOST_AUTO_TEST_CASE(unknown_section_suggests_the_closest) {
  auto e = errors_of(pool_with({"[fronted:api]", "bind = 127.0.0.1:1"}));
  expect_one(e, "t.ini:6: [fronted:api] ", "unknown section (did you mean [frontend:api]?)");
  expect_one(errors_of(pool_with({"[backend:x]"})), "t.ini:6: [backend:x] ", "unknown section;");
  expect_one(errors_of(pool_with({"[]"})), "t.ini:6: ", "empty section header");
}

BOOST_AUTO_TEST_CASE(section_names_are_checked) {
  expect_one(errors_of(pool_with({"[global:x]"})), "t.ini:6: [global:x] ", "section [global] takes no name");
  expect_one(errors_of(pool_with({"[pool]"})), "t.ini:6: [pool] ", "needs a name: [pool:NAME]");
  expect_one(errors_of(pool_with({"[pool:a b]"})), "t.ini:6: [pool:a b] ", "bad section name 'a b'");
  expect_one(errors_of(pool_with({"[pool:]"})), "t.ini:6: [pool:] ", "empty section name");
  std::string long_name = "[pool:" + std::string(65, 'p') + "]";
  expect_one(errors_of(pool_with({long_name})), "t.ini:6: [pool:ppp", "too long (at most 64 characters)");
}

BOOST_AUTO_TEST_CASE(duplicate_section_is_an_error_and_still_checked) {
  auto e = errors_of(pool_with({"[pool:app]", "server = b 127.0.0.1:9002", "retries = 99"}));
  BOOST_REQUIRE_EQUAL(e.size(), 2u);
  BOOST_TEST(e[0] == "t.ini:6: [pool:app] duplicate section (first at line 4)");
  BOOST_TEST(e[1].rfind("t.ini:8: [pool:app] retries: '99' is out of range (0..10)", 0) == 0);
  expect_one(errors_of(pool_with({"[global]", "[global]"})), "t.ini:7: [global] ",
             "duplicate section (first at line 6)");
}

BOOST_AUTO_TEST_CASE(key_given_twice_unless_a_list) {
  expect_one(errors_of(pool_with({"retries = 1", "retries = 2"})), "t.ini:7: [pool:app] retries: ",
             "given twice (first at line 6)");
  BOOST_TEST(errors_of(pool_with({"server = b 127.0.0.1:9002"})).empty());
  BOOST_TEST(errors_of(frontend_with({"bind = 127.0.0.1:8081"})).empty());
}

BOOST_AUTO_TEST_CASE(empty_value) {
  expect_one(errors_of(pool_with({"retries ="})), "t.ini:6: [pool:app] retries: ", "empty value");
  expect_one(errors_of(pool_with({"retries =   ; nothing"})), "t.ini:6: [pool:app] retries: ", "empty value");
}

BOOST_AUTO_TEST_CASE(bad_values_name_what_is_expected) {
  expect_one(errors_of(pool_with({"timeout_server = 30"})), "t.ini:6: [pool:app] timeout_server: ",
             "needs a unit (ms, s, m, h)");
  expect_one(errors_of(pool_with({"timeout_connect = 0s"})), "t.ini:6: [pool:app] timeout_connect: ",
             "out of range (1ms..1h)");
  expect_one(errors_of(pool_with({"health_rise = 0"})), "t.ini:6: [pool:app] health_rise: ", "out of range (1..100)");
  expect_one(errors_of(pool_with({"health_fall = 101"})), "t.ini:6: [pool:app] health_fall: ",
             "out of range (1..100)");
  expect_one(errors_of(pool_with({"retries = 11"})), "t.ini:6: [pool:app] retries: ", "out of range (0..10)");
  expect_one(errors_of(pool_with({"health_expect = 99"})), "t.ini:6: [pool:app] health_expect: ",
             "out of range (100..599)");
  expect_one(errors_of(pool_with({"balance = round-robin"})), "t.ini:6: [pool:app] balance: ",
             "did you mean 'roundrobin'?");
  expect_one(errors_of(pool_with({"health = ping"})), "t.ini:6: [pool:app] health: ", "expected tcp|http|none");
  expect_one(errors_of(pool_with({"health_path = health"})), "t.ini:6: [pool:app] health_path: ",
             "must start with '/'");
  expect_one(errors_of(pool_with({"sticky = learn"})), "t.ini:6: [pool:app] sticky: ", "sticky = learn NAME");
  expect_one(errors_of(pool_with({"sticky = source x"})), "t.ini:6: [pool:app] sticky: ", "takes no argument");
  expect_one(errors_of(pool_with({"hash_key = header"})), "t.ini:6: [pool:app] hash_key: ", "header NAME");
  expect_one(errors_of(pool_with({"hash_key = url"})), "t.ini:6: [pool:app] hash_key: ", "did you mean 'uri'?");
  expect_one(errors_of(pool_with({"sticky_size = 1g"})), "t.ini:6: [pool:app] sticky_size: ", "bad number '1g'");
  expect_one(errors_of(frontend_with({"mode = udp"})), "t.ini:4: [frontend:web] mode: ", "expected tcp|http");
  expect_one(errors_of(frontend_with({"backlog = 10k"})), "t.ini:4: [frontend:web] backlog: ", "no k/m suffix");
  expect_one(errors_of(frontend_with({"half_close = sometimes"})), "t.ini:4: [frontend:web] half_close: ",
             "unknown value 'sometimes'; expected yes|no|true|false|on|off|1|0");
  expect_one(errors_of(frontend_with({"max_connections = 0"})), "t.ini:4: [frontend:web] max_connections: ",
             "out of range");
  expect_one(errors_of(pool_with({"[global]", "workers = 0"})), "t.ini:7: [global] workers: ",
             "expected 'auto' or a number of threads 1..256");
  expect_one(errors_of(pool_with({"[global]", "log_level = warn"})), "t.ini:7: [global] log_level: ",
             "did you mean 'warning'?");
  expect_one(errors_of(pool_with({"[global]", "status_socket = tandem.sock"})), "t.ini:7: [global] status_socket: ",
             "absolute path");
  expect_one(errors_of(pool_with({"[global]", "status_socket = /" + std::string(120, 's')})),
             "t.ini:7: [global] status_socket: ", "too long for a Unix socket");
  expect_one(errors_of(pool_with({"[global]", "oid_base = 1.3..6"})), "t.ini:7: [global] oid_base: ", "bad OID");
  expect_one(errors_of(pool_with({"[global]", "node = lb a"})), "t.ini:7: [global] node: ", "bad node name");
}

BOOST_AUTO_TEST_CASE(hash_comment_after_a_value_gets_a_hint) {
  expect_one(errors_of(pool_with({"retries = 2 # two"})), "t.ini:6: [pool:app] retries: ",
             "'#' starts a comment only at the start of a line; use ';'");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:9002 # spare"})), "t.ini:6: [pool:app] server: ",
             "'#' starts a comment only at the start of a line; use ';'");
  BOOST_TEST(errors_of(pool_with({"retries = 2 ; two"})).empty());
}

BOOST_AUTO_TEST_CASE(missing_port_bad_address_and_server_options) {
  expect_one(errors_of(frontend_with({"bind = 127.0.0.1"})), "t.ini:4: [frontend:web] bind: ", "missing port");
  expect_one(errors_of(frontend_with({"bind = 127.0.0.1:80 127.0.0.1:81"})), "t.ini:4: [frontend:web] bind: ",
             "one address per line");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1"})), "t.ini:6: [pool:app] server: ",
             "server 'b': missing port");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:0"})), "t.ini:6: [pool:app] server: ", "port out of range");
  expect_one(errors_of(pool_with({"server = b backend.example:80"})), "t.ini:6: [pool:app] server: ",
             "bad address 'backend.example'");
  expect_one(errors_of(pool_with({"server = b *:80"})), "t.ini:6: [pool:app] server: ", "not an address");
  expect_one(errors_of(pool_with({"server = b"})), "t.ini:6: [pool:app] server: ",
             "missing address; expected 'server = NAME HOST:PORT");
  expect_one(errors_of(pool_with({"server = 127.0.0.1:9002"})), "t.ini:6: [pool:app] server: ",
             "missing server name");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:9002 wieght=3"})), "t.ini:6: [pool:app] server: ",
             "unknown server option 'wieght=3' (did you mean 'weight'?)");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:9002 weight=1001"})), "t.ini:6: [pool:app] server: ",
             "weight: '1001' is out of range (0..1000)");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:9002 weight = 3"})), "t.ini:6: [pool:app] server: ",
             "'weight' needs a value: weight=N");
  expect_one(errors_of(pool_with({"server = b 127.0.0.1:9002 backup backup"})), "t.ini:6: [pool:app] server: ",
             "'backup' given twice");
  expect_one(errors_of(pool_with({"server = b! 127.0.0.1:9002"})), "t.ini:6: [pool:app] server: ",
             "bad server name 'b!'");
}

BOOST_AUTO_TEST_CASE(duplicate_server_name) {
  expect_one(errors_of(pool_with({"server = a 127.0.0.1:9002"})), "t.ini:6: [pool:app] server: ",
             "duplicate server name 'a' (first at line 5)");
}

BOOST_AUTO_TEST_CASE(frontend_must_bind_and_name_a_pool) {
  expect_one(errors_of(lines({kFrontend, kUsePool, kPool, kServer})), "t.ini:1: [frontend:web] bind: ",
             "missing: a frontend needs at least one 'bind = HOST:PORT'");
  auto e = errors_of(lines({kFrontend, kBind, kPool, kServer}));
  BOOST_REQUIRE_EQUAL(e.size(), 2u);
  BOOST_TEST(e[0] == "t.ini:1: [frontend:web] pool: missing: a frontend needs 'pool = NAME'");
  BOOST_TEST(e[1] == "t.ini:3: [pool:app] pool 'app' is not used by any frontend");
}

BOOST_AUTO_TEST_CASE(frontend_naming_a_missing_pool_errs_on_its_pool_line) {
  auto e = errors_of(lines({kFrontend, kBind, "pool = ap", kPool, kServer}));
  BOOST_REQUIRE_EQUAL(e.size(), 2u);
  BOOST_TEST(e[0] == "t.ini:3: [frontend:web] pool: no section [pool:ap] (did you mean 'app'?)");
  BOOST_TEST(e[1] == "t.ini:4: [pool:app] pool 'app' is not used by any frontend");
}

BOOST_AUTO_TEST_CASE(unused_pool_and_pool_without_servers) {
  expect_one(errors_of(pool_with({"[pool:spare]", "server = s 127.0.0.1:9009"})), "t.ini:6: [pool:spare] ",
             "pool 'spare' is not used by any frontend");
  expect_one(errors_of(lines({kFrontend, kBind, kUsePool, kPool})), "t.ini:4: [pool:app] server: ",
             "missing: a pool needs at least one 'server = NAME HOST:PORT'");
  // A server line that is wrong counts as present: one mistake, one error.
  expect_one(errors_of(lines({kFrontend, kBind, kUsePool, kPool, "server = x"})), "t.ini:5: [pool:app] server: ",
             "missing address");
}

BOOST_AUTO_TEST_CASE(two_frontends_on_one_address) {
  auto text = pool_with({"[frontend:other]", "bind = 127.0.0.1:8080", "pool = app"});
  expect_one(errors_of(text), "t.ini:7: [frontend:other] bind: ",
             "127.0.0.1:8080 is bound twice (also by frontend 'web', line 2)");
  auto wildcard = pool_with({"[frontend:other]", "bind = *:8080", "pool = app"});
  expect_one(errors_of(wildcard), "t.ini:7: [frontend:other] bind: ",
             "0.0.0.0:8080 overlaps 127.0.0.1:8080 (bound by frontend 'web', line 2)");
  expect_one(errors_of(frontend_with({"bind = 127.0.0.1:8080"})), "t.ini:4: [frontend:web] bind: ", "bound twice");
  BOOST_TEST(errors_of(pool_with({"[frontend:other]", "bind = 127.0.0.2:8080", "pool = app"})).empty());
  BOOST_TEST(errors_of(pool_with({"[frontend:other]", "bind = [::]:8080", "pool = app"})).empty());
}

BOOST_AUTO_TEST_CASE(line_level_errors) {
  expect_one(errors_of("retries = 2\n" + pool_with({})), "t.ini:1: retries: ", "key outside any section");
  expect_one(errors_of(pool_with({"just words"})), "t.ini:6: ", "expected 'KEY = VALUE' or '[SECTION]'");
  expect_one(errors_of(pool_with({"= 5"})), "t.ini:6: [pool:app] ", "missing key before '='");
  expect_one(errors_of(pool_with({"health_path = /" + std::string(300, 'x')})), "t.ini:6: ",
             "line too long (315 bytes; at most 198)");
  // The long line is neither cut nor split: the lines after it keep their
  // numbers, and its tail is not read as a line of its own.
  auto e = errors_of(pool_with({"health_path = /" + std::string(300, 'x') + "=1", "retries = 11", "health_rise = 2"}));
  BOOST_REQUIRE_EQUAL(e.size(), 2u);
  BOOST_TEST(e[0] == "t.ini:6: line too long (317 bytes; at most 198)");
  BOOST_TEST(e[1].rfind("t.ini:7: [pool:app] retries: '11' is out of range", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_rejected_header_does_not_cascade) {
  // Keys after a bad header belong to no section; the pool it would have
  // used is not reported as unused.
  auto e = errors_of(lines({"[frontend:web", kBind, kUsePool, kPool, kServer}));
  expect_one(e, "t.ini:1: ", "missing ']' in section header");
  auto f = errors_of(lines({"[frontnd:web]", kBind, kUsePool, kPool, kServer}));
  expect_one(f, "t.ini:1: [frontnd:web] ", "did you mean [frontend:web]?");
}

BOOST_AUTO_TEST_CASE(every_error_is_reported_in_line_order) {
  auto e = errors_of(lines({
      "[global]",                      // 1
      "workers = many",                // 2
      "[frontend:web]",                // 3
      "bind = 127.0.0.1",              // 4
      "pool = app",                    // 5
      "timeout_client = 30",           // 6
      "[pool:app]",                    // 7
      "server = a 127.0.0.1:1",        // 8
      "server = a 127.0.0.1:2",        // 9
      "balanse = leastconn",           // 10
      "[pool:orphan]",                 // 11
  }));
  BOOST_REQUIRE_EQUAL(e.size(), 7u);
  BOOST_TEST(e[0].rfind("t.ini:2: [global] workers: ", 0) == 0);
  BOOST_TEST(e[1].rfind("t.ini:4: [frontend:web] bind: missing port", 0) == 0);
  BOOST_TEST(e[2].rfind("t.ini:6: [frontend:web] timeout_client: duration '30' needs a unit", 0) == 0);
  BOOST_TEST(e[3].rfind("t.ini:9: [pool:app] server: duplicate server name 'a'", 0) == 0);
  BOOST_TEST(e[4] == "t.ini:10: [pool:app] balanse: unknown key 'balanse' (did you mean 'balance'?)");
  BOOST_TEST(e[5] == "t.ini:11: [pool:orphan] pool 'orphan' is not used by any frontend");
  BOOST_TEST(e[6].rfind("t.ini:11: [pool:orphan] server: missing", 0) == 0);
}

BOOST_AUTO_TEST_CASE(too_many_errors_stop_the_reading) {
  std::string text = "[pool:p]\n";
  for (int i = 0; i < 500; ++i) text += "junk\n";
  auto e = errors_of(text);
  BOOST_REQUIRE_EQUAL(e.size(), 101u);
  BOOST_TEST(e[99].rfind("t.ini:101: expected", 0) == 0);
  BOOST_TEST(e[100] == "t.ini:101: too many errors; stopped reading after 100");
}

BOOST_AUTO_TEST_CASE(no_frontend_at_all) {
  expect_one(errors_of(""), "t.ini:0: ", "no [frontend:NAME] section");
  expect_one(errors_of("; only a comment\n[global]\n"), "t.ini:0: ", "no [frontend:NAME] section");
}

BOOST_AUTO_TEST_SUITE_END()
