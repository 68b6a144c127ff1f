#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "conf/config.h"
#include "tests/unit/conf/conf_test_util.h"

using namespace std::chrono_literals;
using namespace tandem::conf;
using namespace tandem::conf::testing;

namespace {

// An http frontend (lines 1-4) with `extra` lines from line 5, then the pool
// (header and server on the two lines after them).
std::string http_with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool, "mode = http"});
  for (auto l : extra) text.append(l).append("\n");
  return text + lines({kPool, kServer});
}

// The same frontend (lines 1-4, pool at 5-6) with `extra` lines appended to
// the pool from line 7.
std::string http_pool_with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool, "mode = http", kPool, kServer});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

Config load_ok(const std::string& text) {
  LoadResult r = load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
  for (const auto& e : r.errors) BOOST_ERROR(e.to_string());
  BOOST_REQUIRE(r.ok());
  return *r.config;
}

// Exactly one error, and it is `expected`.
void expect_error(const std::string& text, const std::string& expected) {
  auto e = errors_of(text);
  BOOST_TEST_INFO("errors: " << e.size() << (e.empty() ? std::string() : ", first: " + e[0]));
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == expected);
}

// A directory with a certificate and a key file (contents are not read
// by the loader), removed at the end of the test.
struct TempFiles {
  std::filesystem::path dir;
  std::string cert, key;
  TempFiles() {
    char name[] = "/tmp/tandem-http-keys-XXXXXX";
    BOOST_REQUIRE(mkdtemp(name) != nullptr);
    dir = name;
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    std::ofstream(cert) << "not parsed here\n";
    std::ofstream(key) << "not parsed here\n";
  }
  ~TempFiles() { std::filesystem::remove_all(dir); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_keys)

BOOST_AUTO_TEST_CASE(defaults_of_an_http_frontend) {
  Config c = load_ok(http_with({}));
  const FrontendConf& f = c.frontends.at(0);
  BOOST_TEST((f.mode == Mode::Http));
  BOOST_TEST(f.routes.empty());
  BOOST_TEST(f.max_head_size == 16384u);
  BOOST_TEST(f.max_header_line == 8192u);
  BOOST_TEST(f.max_headers == 100);
  BOOST_TEST((f.timeout_request == 10s));
  BOOST_TEST((f.timeout_keepalive == 5s));
  BOOST_TEST(f.min_body_rate == 0u);
  BOOST_TEST(f.max_body_size == 0u);
  BOOST_TEST((f.forwarded == ForwardedMode::XForwarded));
  BOOST_TEST(f.request_id_header == "X-Request-Id");
  BOOST_TEST(f.access_log.empty());
  BOOST_TEST(!f.tls());
  BOOST_TEST(f.tls_min_version == "1.2");
  BOOST_TEST(f.tls_ciphers.empty());
  BOOST_TEST(f.tls_ciphersuites.empty());
  BOOST_TEST(f.tls_session_cache == 20000u);
  BOOST_TEST(f.tls_tickets);
  BOOST_TEST(f.limit_connections == 0);
  BOOST_TEST(f.limit_connection_rate == 0.0);
  BOOST_TEST(f.limit_request_rate == 0.0);
  BOOST_TEST(f.limit_table_size == 100000u);
  const PoolConf& p = c.pools.at(0);
  BOOST_TEST((p.server_keepalive_idle == 30s));
  BOOST_TEST(p.server_keepalive_max == 64);
  BOOST_TEST(p.tls_ca_file.empty());
  const ServerConf& s = p.servers.at(0);
  BOOST_TEST(!s.tls);
  BOOST_TEST(!s.tls_verify);
  BOOST_TEST(s.tls_sni.empty());
}

BOOST_AUTO_TEST_CASE(every_http_key_is_stored) {
  TempFiles files;
  Config c = load_ok(http_with({
      "max_head_size = 32k", "max_header_line = 4096", "max_headers = 1k", "timeout_request = 2s",  // 5-8
      "timeout_keepalive = 0s", "min_body_rate = 1k/s", "max_body_size = 100g",                     // 9-11
      "forwarded = BOTH", "request_id_header = X-Trace", "access_log = syslog",                      // 12-14
      "tls_cert = " + files.cert, "tls_cert = " + files.cert + " " + files.key,                      // 15-16
      "tls_min_version = 1.3", "tls_ciphers = ECDHE+AESGCM:!aNULL",                                  // 17-18
      "tls_ciphersuites = TLS_AES_128_GCM_SHA256", "tls_session_cache = 0", "tls_tickets = no",     // 19-21
      "limit_connections = 20", "limit_connection_rate = 0.5/s", "limit_request_rate = 20",          // 22-24
      "limit_table_size = 10m",                                                                       // 25
  }));
  const FrontendConf& f = c.frontends.at(0);
  BOOST_TEST(f.max_head_size == 32768u);
  BOOST_TEST(f.max_header_line == 4096u);
  BOOST_TEST(f.max_headers == 1000);
  BOOST_TEST((f.timeout_request == 2s));
  BOOST_TEST((f.timeout_keepalive == 0s));
  BOOST_TEST(f.min_body_rate == 1024u);
  BOOST_TEST(f.max_body_size == 100ull << 30);
  BOOST_TEST((f.forwarded == ForwardedMode::Both));
  BOOST_TEST(f.request_id_header == "X-Trace");
  BOOST_TEST(f.access_log == "syslog");
  BOOST_REQUIRE_EQUAL(f.tls_certs.size(), 2u);
  BOOST_TEST(f.tls());
  BOOST_TEST(f.tls_certs[0].cert_file == files.cert);
  BOOST_TEST(f.tls_certs[0].key_file.empty());
  BOOST_TEST(f.tls_certs[0].where.line == 15);
  BOOST_TEST(f.tls_certs[1].key_file == files.key);
  BOOST_TEST(f.tls_certs[1].where.file == "t.ini");
  BOOST_TEST(f.tls_certs[1].where.line == 16);
  BOOST_TEST(f.tls_min_version == "1.3");
  BOOST_TEST(f.tls_ciphers == "ECDHE+AESGCM:!aNULL");
  BOOST_TEST(f.tls_ciphersuites == "TLS_AES_128_GCM_SHA256");
  BOOST_TEST(f.tls_session_cache == 0u);
  BOOST_TEST(!f.tls_tickets);
  BOOST_TEST(f.limit_connections == 20);
  BOOST_TEST(f.limit_connection_rate == 0.5);
  BOOST_TEST(f.limit_request_rate == 20.0);
  BOOST_TEST(f.limit_table_size == 10000000u);
}

BOOST_AUTO_TEST_CASE(routes_keep_their_order_and_parts) {
  Config c = load_ok(http_with({
      "route = host API.Example.COM -> app",           // 5
      "route = host *.example.com -> app",             // 6
      "route = path /static/ -> app",                  // 7
      "route = header X-Tenant  big  customer -> app",  // 8
      "route = HOST [2001:DB8::1] -> app",             // 9
      "route = host 10.0.0.1 -> app",                  // 10
  }));
  const auto& r = c.frontends.at(0).routes;
  BOOST_REQUIRE_EQUAL(r.size(), 6u);
  BOOST_TEST((r[0].kind == RouteConf::Kind::Host));
  BOOST_TEST(r[0].value == "api.example.com");
  BOOST_TEST(r[0].pool == "app");
  BOOST_TEST(r[0].where.line == 5);
  BOOST_TEST(r[0].where.file == "t.ini");
  BOOST_TEST(r[1].value == "*.example.com");
  BOOST_TEST((r[2].kind == RouteConf::Kind::PathPrefix));
  BOOST_TEST(r[2].value == "/static/");
  BOOST_TEST((r[3].kind == RouteConf::Kind::Header));
  BOOST_TEST(r[3].header == "X-Tenant");
  BOOST_TEST(r[3].value == "big  customer");  // inner blanks kept
  BOOST_TEST(r[3].where.line == 8);
  BOOST_TEST(r[4].value == "[2001:db8::1]");
  BOOST_TEST(r[5].value == "10.0.0.1");
}

BOOST_AUTO_TEST_CASE(route_errors_say_what_was_expected) {
  const std::string at = "t.ini:5: [frontend:web] route: ";
  expect_error(http_with({"route = host a.example.com app"}),
               at + "missing '->'; expected 'route = host NAME -> POOL'");
  expect_error(http_with({"route = host a.example.com->app"}),
               at + "put blanks around '->'; expected 'route = host NAME -> POOL'");
  expect_error(http_with({"route = host a.example.com ->"}),
               at + "expected 'route = host NAME -> POOL' (one pool name after '->')");
  expect_error(http_with({"route = host a.example.com -> app other"}),
               at + "expected 'route = host NAME -> POOL' (one pool name after '->')");
  expect_error(http_with({"route = host a b -> app"}),
               at + "expected 'route = host NAME -> POOL' (one host name before '->')");
  expect_error(http_with({"route = host -> app"}), at + "expected 'route = host NAME -> POOL' (one host name before '->')");
  expect_error(http_with({"route = hots a.example.com -> app"}),
               at + "unknown route kind 'hots' (did you mean 'host'?); expected 'route = host NAME -> POOL', "
                    "'route = path PREFIX -> POOL' or 'route = header FIELD VALUE -> POOL'");
  expect_error(http_with({"route = host a.example.com:8080 -> app"}),
               at + "host name 'a.example.com:8080' has a port; give the name alone");
  expect_error(http_with({"route = host a.*.example.com -> app"}),
               at + "host name 'a.*.example.com': '*' may only start the name, as in '*.example.com'");
  expect_error(http_with({"route = host *example.com -> app"}),
               at + "host name '*example.com': '*' may only start the name, as in '*.example.com'");
  expect_error(http_with({"route = host a..example.com -> app"}),
               at + "bad host name 'a..example.com': empty label (a leading, trailing or double '.')");
  expect_error(http_with({"route = host a/b -> app"}),
               at + "bad host name 'a/b': use letters, digits, '-', '_' and '.'");
  expect_error(http_with({"route = path static -> app"}), at + "path prefix must start with '/', got 'static'");
  expect_error(http_with({"route = path /a?b -> app"}),
               at + "path prefix '/a?b' contains '?': routes match the path, not the query");
  expect_error(http_with({"route = path /a /b -> app"}),
               at + "expected 'route = path PREFIX -> POOL' (one path prefix before '->'; encode blanks as %20)");
  expect_error(http_with({"route = header X-Tenant -> app"}),
               at + "expected 'route = header FIELD VALUE -> POOL' (a field name and a value before '->')");
  expect_error(http_with({"route = header X:T v -> app"}), at + "bad header name 'X:T'");
  expect_error(http_with({"route = path / -> a/b"}),
               at + "bad pool name 'a/b': use letters, digits, '_', '.' and '-'");
}

BOOST_AUTO_TEST_CASE(sizes_take_binary_suffixes_and_ranges) {
  const std::string at = "t.ini:5: [frontend:web] ";
  BOOST_TEST(load_ok(http_with({"max_head_size = 1m"})).frontends[0].max_head_size == 1048576u);
  BOOST_TEST(load_ok(http_with({"max_head_size = 1K"})).frontends[0].max_head_size == 1024u);
  expect_error(http_with({"max_head_size = 2m"}), at + "max_head_size: '2m' is out of range (1k..1m)");
  expect_error(http_with({"max_head_size = 1023"}), at + "max_head_size: '1023' is out of range (1k..1m)");
  expect_error(http_with({"max_head_size = 16kb"}),
               at + "max_head_size: bad size '16kb' (expected a number of bytes, optionally with k, m, g or t: 16k)");
  expect_error(http_with({"max_header_line = 255"}), at + "max_header_line: '255' is out of range (256..1m)");
  BOOST_TEST(load_ok(http_with({"max_body_size = 1t"})).frontends[0].max_body_size == 1ull << 40);
  BOOST_TEST(load_ok(http_with({"max_body_size = 0"})).frontends[0].max_body_size == 0u);
  expect_error(http_with({"max_body_size = 2t"}), at + "max_body_size: '2t' is out of range (0..1t)");
  expect_error(http_with({"max_body_size = -1"}),
               at + "max_body_size: bad size '-1' (expected a number of bytes, optionally with k, m, g or t: 16k)");
  BOOST_TEST(load_ok(http_with({"min_body_rate = 512"})).frontends[0].min_body_rate == 512u);
  BOOST_TEST(load_ok(http_with({"min_body_rate = 0"})).frontends[0].min_body_rate == 0u);
  expect_error(http_with({"min_body_rate = 2g/s"}), at + "min_body_rate: '2g' is out of range (0..1g)");
  expect_error(http_with({"min_body_rate = 1k/m"}),
               at + "min_body_rate: bad size '1k/m' (expected a number of bytes, optionally with k, m, g or t: 16k)");
}

BOOST_AUTO_TEST_CASE(counts_and_durations) {
  const std::string at = "t.ini:5: [frontend:web] ";
  expect_error(http_with({"max_headers = 0"}), at + "max_headers: '0' is out of range (1..10000)");
  expect_error(http_with({"max_headers = 10001"}), at + "max_headers: '10001' is out of range (1..10000)");
  expect_error(http_with({"timeout_request = 0s"}), at + "timeout_request: '0s' is out of range (1ms..1h)");
  expect_error(http_with({"timeout_request = 10"}),
               at + "timeout_request: duration '10' needs a unit (ms, s, m, h)");
  expect_error(http_with({"timeout_keepalive = 2h"}), at + "timeout_keepalive: '2h' is out of range (0ms..1h)");
  expect_error(http_with({"tls_session_cache = 20m"}),
               at + "tls_session_cache: '20m' is out of range (0..10000000)");
  expect_error(http_with({"tls_tickets = maybe"}),
               at + "tls_tickets: unknown value 'maybe'; expected yes|no|true|false|on|off|1|0");
  expect_error(http_with({"limit_connections = -1"}),
               at + "limit_connections: bad number '-1' (expected an integer, optionally with k or m: 100k)");
  expect_error(http_with({"limit_table_size = 0"}), at + "limit_table_size: '0' is out of range (1..10000000)");
}

BOOST_AUTO_TEST_CASE(forwarded_modes) {
  for (auto m : {ForwardedMode::XForwarded, ForwardedMode::Forwarded, ForwardedMode::Both, ForwardedMode::None}) {
    Config c = load_ok(http_with({"forwarded = " + std::string(to_string(m))}));
    BOOST_TEST((c.frontends[0].forwarded == m));
  }
  BOOST_TEST(std::string(to_string(ForwardedMode::Forwarded)) == "rfc7239");
  BOOST_TEST(std::string(to_string(ForwardedMode::XForwarded)) == "x-forwarded");
  expect_error(http_with({"forwarded = x-forwarder"}),
               "t.ini:5: [frontend:web] forwarded: unknown value 'x-forwarder' (did you mean 'x-forwarded'?); "
               "expected x-forwarded|rfc7239|both|none");
}

BOOST_AUTO_TEST_CASE(request_id_header_and_access_log) {
  TempFiles files;
  const std::string at = "t.ini:5: [frontend:web] ";
  BOOST_TEST(load_ok(http_with({"request_id_header = none"})).frontends[0].request_id_header.empty());
  expect_error(http_with({"request_id_header = X Id"}),
               at + "request_id_header: bad header name 'X Id'; expected a field name or 'none'");
  BOOST_TEST(load_ok(http_with({"access_log = None"})).frontends[0].access_log.empty());
  BOOST_TEST(load_ok(http_with({"access_log = /tmp/tandem-access.log"})).frontends[0].access_log ==
             "/tmp/tandem-access.log");
  expect_error(http_with({"access_log = access.log"}),
               at + "access_log: must be an absolute path, 'syslog' or 'none', got 'access.log'");
  expect_error(http_with({"access_log = /nonexistent-dir/access.log"}),
               at + "access_log: cannot use directory '/nonexistent-dir': No such file or directory (create it, or "
                    "log to syslog)");
  expect_error(http_with({"access_log = /tmp/"}), at + "access_log: '/tmp/' names a directory; give the log file's name");
  expect_error(http_with({"access_log = /tmp"}), at + "access_log: '/tmp' is a directory; give the log file's name");
  expect_error(http_with({"access_log = " + files.cert + "/x.log"}),
               at + "access_log: '" + files.cert + "' is not a directory");
}

BOOST_AUTO_TEST_CASE(tls_keys) {
  TempFiles files;
  const std::string at = "t.ini:5: [frontend:web] ";
  expect_error(http_with({"tls_cert = /nonexistent/cert.pem"}),
               at + "tls_cert: cannot read certificate '/nonexistent/cert.pem': No such file or directory");
  expect_error(http_with({"tls_cert = " + files.cert + " /nonexistent/key.pem"}),
               at + "tls_cert: cannot read key '/nonexistent/key.pem': No such file or directory");
  expect_error(http_with({"tls_cert = " + files.dir.string()}),
               at + "tls_cert: certificate '" + files.dir.string() + "' is not a regular file");
  expect_error(http_with({"tls_cert = cert.pem"}), at + "tls_cert: certificate must be an absolute path, got 'cert.pem'");
  expect_error(http_with({"tls_cert = " + files.cert + " " + files.key + " x"}),
               at + "tls_cert: expected 'tls_cert = CERT_FILE [KEY_FILE]' (paths without blanks)");
  expect_error(http_with({"tls_min_version = 1.1"}),
               at + "tls_min_version: unknown value '1.1' (did you mean '1.2'?); expected 1.2|1.3");
  expect_error(http_with({"tls_ciphers ="}), at + "tls_ciphers: empty value");
}

BOOST_AUTO_TEST_CASE(rates_per_second) {
  const std::string at = "t.ini:5: [frontend:web] ";
  BOOST_TEST(load_ok(http_with({"limit_request_rate = 20/s"})).frontends[0].limit_request_rate == 20.0);
  BOOST_TEST(load_ok(http_with({"limit_request_rate = 0"})).frontends[0].limit_request_rate == 0.0);
  BOOST_TEST(load_ok(http_with({"limit_connection_rate = 0.125"})).frontends[0].limit_connection_rate == 0.125);
  expect_error(http_with({"limit_request_rate = fast"}),
               at + "limit_request_rate: bad rate 'fast' (expected a number per second: 20, 20/s or 0.5/s)");
  expect_error(http_with({"limit_request_rate = 20/m"}),
               at + "limit_request_rate: unknown unit '/m' in '20/m' (rates are per second: 20/s)");
  expect_error(http_with({"limit_connection_rate = 0.0001/s"}),
               at + "limit_connection_rate: rate '0.0001/s' has too many decimals (at most 3)");
  expect_error(http_with({"limit_connection_rate = 2000000"}),
               at + "limit_connection_rate: '2000000' is out of range (0..1000000/s)");
}

BOOST_AUTO_TEST_CASE(pool_keys_for_http) {
  TempFiles files;
  Config c = load_ok(http_pool_with({"server_keepalive_idle = 0s", "server_keepalive_max = 100k",
                                     "tls_ca_file = " + files.cert}));
  const PoolConf& p = c.pools.at(0);
  BOOST_TEST((p.server_keepalive_idle == 0s));
  BOOST_TEST(p.server_keepalive_max == 100000);
  BOOST_TEST(p.tls_ca_file == files.cert);
  const std::string at = "t.ini:7: [pool:app] ";
  expect_error(http_pool_with({"server_keepalive_idle = 30"}),
               at + "server_keepalive_idle: duration '30' needs a unit (ms, s, m, h)");
  expect_error(http_pool_with({"server_keepalive_idle = 61m"}),
               at + "server_keepalive_idle: '61m' is out of range (0ms..1h)");
  expect_error(http_pool_with({"server_keepalive_max = 100001"}),
               at + "server_keepalive_max: '100001' is out of range (0..100000)");
  expect_error(http_pool_with({"tls_ca_file = /nonexistent/ca.pem"}),
               at + "tls_ca_file: cannot read CA file '/nonexistent/ca.pem': No such file or directory");
  expect_error(http_pool_with({"tls_ca_file = ca.pem"}), at + "tls_ca_file: CA file must be an absolute path, got 'ca.pem'");
}

BOOST_AUTO_TEST_CASE(server_tls_options) {
  Config c = load_ok(http_pool_with({"server = b 127.0.0.1:9443 tls verify=required sni=api.example.com weight=2",
                                     "server = c 127.0.0.1:9444 sni=c.example tls verify=none"}));
  const auto& s = c.pools.at(0).servers;
  BOOST_REQUIRE_EQUAL(s.size(), 3u);
  BOOST_TEST(s[1].tls);
  BOOST_TEST(s[1].tls_verify);
  BOOST_TEST(s[1].tls_sni == "api.example.com");
  BOOST_TEST(s[1].weight == 2);
  BOOST_TEST(s[2].tls);
  BOOST_TEST(!s[2].tls_verify);
  BOOST_TEST(s[2].tls_sni == "c.example");
  const std::string at = "t.ini:7: [pool:app] server: server 'b': ";
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 verify=required"}),
               at + "'verify' needs 'tls' (it applies to TLS only)");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 sni=a.example"}), at + "'sni' needs 'tls' (it applies to TLS only)");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls verify=yes"}),
               at + "verify: unknown value 'yes'; expected none|required");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls verify"}),
               at + "'verify' needs a value: verify=none|required (no spaces)");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls sni=*.example.com"}),
               at + "sni: SNI name '*.example.com': no wildcard here");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls sni=a.example:443"}),
               at + "sni: SNI name 'a.example:443' has a port; give the name alone");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls=yes"}), at + "'tls' takes no value");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tls tls"}), at + "server option 'tls' given twice");
  expect_error(http_pool_with({"server = b 127.0.0.1:9443 tsl"}),
               at + "unknown server option 'tsl' (did you mean 'tls'?); options are weight=N, backup, maxconn=N, tls, "
                    "verify=none|required, sni=NAME");
}

BOOST_AUTO_TEST_SUITE_END()
