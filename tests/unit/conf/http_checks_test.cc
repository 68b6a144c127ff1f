#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>

#include "conf/config.h"
#include "tests/unit/conf/conf_test_util.h"

using namespace tandem::conf;
using namespace tandem::conf::testing;

namespace {

void expect_errors(const std::string& text, const std::vector<std::string>& expected) {
  auto e = errors_of(text);
  BOOST_TEST(e == expected, boost::test_tools::per_element());
}

Config load_ok(const std::string& text) {
  LoadResult r = load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
  for (const auto& e : r.errors) BOOST_ERROR(e.to_string());
  BOOST_REQUIRE(r.ok());
  return *r.config;
}

// A frontend (lines 1-3, no mode) with `extra` lines from line 4, then
// [pool:app] and its server.
std::string frontend_with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool});
  for (auto l : extra) text.append(l).append("\n");
  return text + lines({kPool, kServer});
}

// A tcp frontend "db" (lines 1-4) using [pool:app] (line 5), whose keys are
// `pool_keys` from line 6 on.
std::string tcp_frontend_on_pool(std::initializer_list<std::string_view> pool_keys) {
  std::string text = lines({"[frontend:db]", "bind = 127.0.0.1:5432", "mode = tcp", "pool = app", kPool});
  for (auto l : pool_keys) text.append(l).append("\n");
  return text;
}

const char* const kHttpOnlyKeys[] = {
    "route = path / -> app", "max_head_size = 8k", "max_header_line = 1k", "max_headers = 50",
    "timeout_request = 5s", "timeout_keepalive = 0s", "min_body_rate = 1k", "max_body_size = 1m",
    "forwarded = none", "request_id_header = none", "access_log = syslog", "tls_min_version = 1.3",
    "tls_ciphers = HIGH", "tls_ciphersuites = TLS_AES_128_GCM_SHA256", "tls_session_cache = 0",
    "tls_tickets = no", "limit_request_rate = 10/s",
};

std::string key_of(std::string_view line) { return std::string(line.substr(0, line.find(' '))); }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_checks)

BOOST_AUTO_TEST_CASE(http_keys_are_refused_on_a_tcp_frontend) {
  for (const char* line : kHttpOnlyKeys) {
    BOOST_TEST_CONTEXT(line) {
      const std::string key = key_of(line);
      expect_errors(frontend_with({line}), {"t.ini:4: [frontend:web] " + key +
                                            ": only for mode = http (this frontend is mode = tcp, the default: add "
                                            "'mode = http')"});
      // `mode` may come after the key: the section is judged as a whole.
      expect_errors(frontend_with({line, "mode = tcp"}),
                    {"t.ini:4: [frontend:web] " + key + ": only for mode = http (this frontend is mode = tcp)"});
      BOOST_TEST(errors_of(frontend_with({line, "mode = http"})).empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(tls_cert_is_refused_on_a_tcp_frontend) {
  // Checked separately: the file check comes first, so use a file that exists.
  char name[] = "/tmp/tandem-http-checks-XXXXXX";
  int fd = mkstemp(name);
  BOOST_REQUIRE(fd >= 0);
  close(fd);
  auto e = errors_of(frontend_with({"tls_cert = " + std::string(name), "mode = tcp"}));
  unlink(name);
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == "t.ini:4: [frontend:web] tls_cert: only for mode = http (this frontend is mode = tcp)");
}

BOOST_AUTO_TEST_CASE(connection_limits_serve_both_modes) {
  Config c = load_ok(frontend_with({"limit_connections = 10", "limit_connection_rate = 5/s", "limit_table_size = 1k"}));
  BOOST_TEST(c.frontends[0].limit_connections == 10);
  BOOST_TEST(c.frontends[0].limit_connection_rate == 5.0);
  BOOST_TEST(c.frontends[0].limit_table_size == 1000u);
}

BOOST_AUTO_TEST_CASE(a_bad_mode_does_not_cascade) {
  expect_errors(frontend_with({"route = path / -> app", "mode = htp"}),
                {"t.ini:5: [frontend:web] mode: unknown value 'htp' (did you mean 'http'?); expected tcp|http"});
}

BOOST_AUTO_TEST_CASE(each_key_is_reported_once_at_its_first_line) {
  expect_errors(frontend_with({"route = path /a -> app", "max_headers = 5", "route = path /b -> app"}),
                {"t.ini:4: [frontend:web] route: only for mode = http (this frontend is mode = tcp, the default: add "
                 "'mode = http')",
                 "t.ini:5: [frontend:web] max_headers: only for mode = http (this frontend is mode = tcp, the "
                 "default: add 'mode = http')"});
}

BOOST_AUTO_TEST_CASE(a_route_must_name_a_pool) {
  expect_errors(frontend_with({"mode = http", "route = host a.example.com -> ap", "route = path /x -> nowhere"}),
                {"t.ini:5: [frontend:web] route: no section [pool:ap] (did you mean 'app'?)",
                 "t.ini:6: [frontend:web] route: no section [pool:nowhere]"});
}

BOOST_AUTO_TEST_CASE(a_tcp_frontends_routes_are_refused_not_followed) {
  expect_errors(frontend_with({"route = path / -> nowhere"}),
                {"t.ini:4: [frontend:web] route: only for mode = http (this frontend is mode = tcp, the default: add "
                 "'mode = http')"});
}

BOOST_AUTO_TEST_CASE(a_pool_used_only_by_routes_is_used) {
  Config c = load_ok(frontend_with({"mode = http", "route = path /api/ -> api", "[pool:api]",
                                    "server = a1 127.0.0.1:9101"}));
  BOOST_TEST(c.pools.size() == 2u);
  BOOST_TEST(c.frontends[0].routes.at(0).pool == "api");
}

BOOST_AUTO_TEST_CASE(route_checks_are_skipped_after_a_rejected_header) {
  auto e = errors_of(frontend_with({"mode = http", "route = path / -> other", "[pool:other"}));
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0].rfind("t.ini:6: missing ']'", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_header_line_fits_in_the_head) {
  expect_errors(frontend_with({"mode = http", "max_head_size = 4k", "max_header_line = 8k"}),
                {"t.ini:6: [frontend:web] max_header_line: 8k is larger than max_head_size (4k): a line is part of "
                 "the head"});
  expect_errors(frontend_with({"mode = http", "max_header_line = 32k"}),
                {"t.ini:5: [frontend:web] max_header_line: 32k is larger than max_head_size (16k, the default): a "
                 "line is part of the head"});
  BOOST_TEST(load_ok(frontend_with({"mode = http", "max_header_line = 16k"})).frontends[0].max_header_line == 16384u);
  // An unset max_header_line follows a smaller max_head_size.
  Config c = load_ok(frontend_with({"mode = http", "max_head_size = 4k"}));
  BOOST_TEST(c.frontends[0].max_header_line == 4096u);
  // A bad max_head_size is reported alone.
  expect_errors(frontend_with({"mode = http", "max_head_size = 4", "max_header_line = 8k"}),
                {"t.ini:5: [frontend:web] max_head_size: '4' is out of range (1k..1m)"});
}

BOOST_AUTO_TEST_CASE(a_tcp_frontend_refuses_a_pool_that_needs_http) {
  const std::string at = "t.ini:4: [frontend:db] pool: pool 'app' has ";
  const std::string why = "which needs mode = http (this frontend is mode = tcp)";
  expect_errors(tcp_frontend_on_pool({"sticky = cookie", "server = a 127.0.0.1:1"}),
                {at + "'sticky = cookie' (line 6), " + why});
  expect_errors(tcp_frontend_on_pool({"server = a 127.0.0.1:1", "sticky = learn SID"}),
                {at + "'sticky = learn' (line 7), " + why});
  expect_errors(tcp_frontend_on_pool({"balance = hash", "hash_key = uri", "server = a 127.0.0.1:1"}),
                {at + "'balance = hash' with 'hash_key = uri' (line 7), " + why});
  expect_errors(tcp_frontend_on_pool({"server = a 127.0.0.1:1", "server = b 127.0.0.1:2 tls"}),
                {at + "server 'b' with 'tls' (line 7), " + why});
  // All of them at once: one error each.
  BOOST_TEST(errors_of(tcp_frontend_on_pool({"sticky = cookie", "balance = hash", "hash_key = header X",
                                             "server = a 127.0.0.1:1 tls"}))
                 .size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_tcp_frontend_accepts_what_tcp_can_do) {
  // Hashing the client address, source stickiness; a hash_key unused
  // without balance = hash.
  load_ok(tcp_frontend_on_pool({"balance = hash", "sticky = source", "server = a 127.0.0.1:1"}));
  load_ok(tcp_frontend_on_pool({"hash_key = cookie SID", "server = a 127.0.0.1:1"}));
}

BOOST_AUTO_TEST_CASE(a_pool_shared_by_http_and_tcp_is_refused_only_for_tcp) {
  std::string text = tcp_frontend_on_pool({"sticky = cookie", "server = a 127.0.0.1:1"}) +
                     lines({"[frontend:web]", "bind = 127.0.0.1:8080", "mode = http", "pool = app"});
  expect_errors(text, {"t.ini:4: [frontend:db] pool: pool 'app' has 'sticky = cookie' (line 6), which needs mode = "
                       "http (this frontend is mode = tcp)"});
  load_ok(lines({"[frontend:web]", "bind = 127.0.0.1:8080", "mode = http", "pool = app", kPool, "sticky = cookie",
                 "balance = hash", "hash_key = uri", "server = a 127.0.0.1:1 tls verify=required sni=a.example"}));
}

BOOST_AUTO_TEST_SUITE_END()
