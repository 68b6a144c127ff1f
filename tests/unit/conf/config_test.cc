#define BOOST_TEST_DYN_LINK
#include "conf/config.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <climits>
#include <filesystem>
#include <fstream>

#include "conf/key_rules.h"
#include "tests/unit/conf/conf_test_util.h"

using namespace std::chrono_literals;
using namespace tandem::conf;
using namespace tandem::conf::testing;

namespace {

// The project root, from where this file was compiled (the Makefile
// compiles with paths relative to the root).
std::filesystem::path project_root() {
  std::string self = __FILE__;
  std::string tail = "tests/unit/conf/config_test.cc";
  std::string root = self.substr(0, self.size() - tail.size());
  return root.empty() ? std::filesystem::path(".") : std::filesystem::path(root);
}

Config load_ok(const std::string& text) {
  LoadResult r = load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
  for (const auto& e : r.errors) BOOST_TEST_MESSAGE(e.to_string());
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r.errors.empty());
  return *r.config;
}

// A temporary file, removed at the end of the test.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/tandem-conf-test-XXXXXX";
    int fd = mkstemp(name);
    BOOST_REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_are_applied) {
  Config c = load_ok(lines({kFrontend, kBind, kUsePool, kPool, kServer}));
  BOOST_TEST(c.file == "t.ini");
  char host[HOST_NAME_MAX + 1] = {};
  BOOST_REQUIRE(gethostname(host, sizeof host - 1) == 0);
  BOOST_TEST(c.global.node == host);
  BOOST_TEST(c.global.workers == 0);
  BOOST_TEST(c.global.status_socket == "/run/tandem/tandem.sock");
  BOOST_TEST(c.global.oid_base == "1.3.6.1.4.1.32473.7");
  BOOST_TEST((c.global.shutdown_timeout == 30s));
  BOOST_TEST((c.global.log_level == tandem::base::LogLevel::Info));

  BOOST_REQUIRE(c.frontends.size() == 1u);
  const FrontendConf& f = c.frontends[0];
  BOOST_TEST(f.name == "web");
  BOOST_TEST((f.mode == Mode::Tcp));
  BOOST_TEST(f.pool == "app");
  BOOST_TEST(f.max_connections == 10000);
  BOOST_TEST(f.backlog == 4096);
  BOOST_TEST((f.timeout_client == 30s));
  BOOST_TEST((f.splice == SpliceMode::Auto));
  BOOST_TEST(f.half_close);
  BOOST_TEST(f.where.file == "t.ini");
  BOOST_TEST(f.where.line == 1);
  BOOST_REQUIRE(f.binds.size() == 1u);
  BOOST_TEST(f.binds[0].to_string() == "127.0.0.1:8080");

  BOOST_REQUIRE(c.pools.size() == 1u);
  const PoolConf& p = c.pools[0];
  BOOST_TEST(p.where.line == 4);
  BOOST_TEST((p.balance == Balance::RoundRobin));
  BOOST_TEST((p.sticky == StickyKind::None));
  BOOST_TEST((p.sticky_ttl == 30min));
  BOOST_TEST(p.sticky_size == 100000u);
  BOOST_TEST((p.health == HealthKind::Tcp));
  BOOST_TEST(p.health_path == "/");
  BOOST_TEST(p.health_expect == 200);
  BOOST_TEST((p.health_interval == 2s));
  BOOST_TEST((p.health_timeout == 1s));
  BOOST_TEST(p.health_rise == 2);
  BOOST_TEST(p.health_fall == 3);
  BOOST_TEST((p.timeout_connect == 5s));
  BOOST_TEST((p.timeout_server == 30s));
  BOOST_TEST(p.retries == 2);
  BOOST_REQUIRE(p.servers.size() == 1u);
  const ServerConf& s = p.servers[0];
  BOOST_TEST(s.name == "a");
  BOOST_TEST(s.address.to_string() == "127.0.0.1:9001");
  BOOST_TEST(s.address_text == "127.0.0.1:9001");
  BOOST_TEST(s.weight == 1);
  BOOST_TEST(!s.backup);
  BOOST_TEST(s.maxconn == 0);
  BOOST_TEST(s.where.line == 5);
}

BOOST_AUTO_TEST_CASE(every_key_is_stored) {
  Config c = load_ok(lines({
      "[global]", "node = lb-a", "workers = 8", "status_socket = /tmp/t.sock", "status_group = adm",
      "oid_base = 1.3.6.1.4.1.99999", "shutdown_timeout = 0s", "log_level = debug",  // 1-8
      "[frontend:web]", "bind = *:80", "bind = [::1]:8443", "mode = http", "pool = app",
      "max_connections = 20k", "backlog = 128", "timeout_client = 1.5s", "splice = off",  // 9-17
      "half_close = off",  // 18
      "[pool:app]", "balance = hash", "hash_key = cookie SID", "sticky = learn JSESSIONID", "sticky_ttl = 2h",
      "sticky_size = 2m", "health = http", "health_path = /health?full=1", "health_expect = 204",
      "health_host = app.example.com", "health_interval = 500ms", "health_timeout = 250ms", "health_rise = 5",
      "health_fall = 7", "timeout_connect = 100ms", "timeout_server = 5m", "retries = 0",
      "server = be1 10.0.0.1:8080 weight=10 maxconn=500", "server = be2 [2001:db8::2]:8080 backup weight=0",
  }));
  BOOST_TEST(c.global.node == "lb-a");
  BOOST_TEST(c.global.workers == 8);
  BOOST_TEST(c.global.status_socket == "/tmp/t.sock");
  BOOST_TEST(c.global.status_group == "adm");
  BOOST_TEST(c.global.oid_base == "1.3.6.1.4.1.99999");
  BOOST_TEST((c.global.shutdown_timeout == 0s));
  BOOST_TEST((c.global.log_level == tandem::base::LogLevel::Debug));
  const FrontendConf& f = c.frontends.at(0);
  BOOST_TEST(f.binds.size() == 2u);
  BOOST_TEST(f.binds.at(0).to_string() == "0.0.0.0:80");
  BOOST_TEST(f.binds.at(1).to_string() == "[::1]:8443");
  BOOST_TEST((f.mode == Mode::Http));
  BOOST_TEST(f.max_connections == 20000);
  BOOST_TEST(f.backlog == 128);
  BOOST_TEST((f.timeout_client == 1500ms));
  BOOST_TEST((f.splice == SpliceMode::Off));
  BOOST_TEST(!f.half_close);
  const PoolConf& p = c.pools.at(0);
  BOOST_TEST((p.balance == Balance::Hash));
  BOOST_TEST(p.hash_key == "cookie SID");
  BOOST_TEST((p.sticky == StickyKind::Learn));
  BOOST_TEST(p.sticky_cookie == "JSESSIONID");
  BOOST_TEST((p.sticky_ttl == 2h));
  BOOST_TEST(p.sticky_size == 2000000u);
  BOOST_TEST((p.health == HealthKind::Http));
  BOOST_TEST(p.health_path == "/health?full=1");
  BOOST_TEST(p.health_expect == 204);
  BOOST_TEST(p.health_host == "app.example.com");
  BOOST_TEST((p.health_interval == 500ms));
  BOOST_TEST((p.health_timeout == 250ms));
  BOOST_TEST(p.health_rise == 5);
  BOOST_TEST(p.health_fall == 7);
  BOOST_TEST((p.timeout_connect == 100ms));
  BOOST_TEST((p.timeout_server == 5min));
  BOOST_TEST(p.retries == 0);
  BOOST_REQUIRE(p.servers.size() == 2u);
  BOOST_TEST(p.servers[0].weight == 10);
  BOOST_TEST(p.servers[0].maxconn == 500);
  BOOST_TEST(!p.servers[0].backup);
  BOOST_TEST(p.servers[1].backup);
  BOOST_TEST(p.servers[1].weight == 0);
  BOOST_TEST(p.servers[1].address_text == "[2001:db8::2]:8080");
  BOOST_TEST(p.servers[1].where.line == 37);
}

BOOST_AUTO_TEST_CASE(sticky_cookie_defaults_to_tandemid) {
  // Cookies need an http frontend (a tcp one refuses such a pool).
  Config c = load_ok(lines({kFrontend, kBind, kUsePool, "mode = http", kPool, kServer, "sticky = cookie"}));
  BOOST_TEST((c.pools[0].sticky == StickyKind::Cookie));
  BOOST_TEST(c.pools[0].sticky_cookie == "TANDEMID");
  Config d = load_ok(lines({kFrontend, kBind, kUsePool, "mode = http", kPool, kServer, "sticky = cookie LB"}));
  BOOST_TEST(d.pools[0].sticky_cookie == "LB");
}

BOOST_AUTO_TEST_CASE(crlf_bom_and_indentation) {
  std::string text =
      "\xEF\xBB\xBF; windows file\r\n[frontend:web]\r\n  bind = 127.0.0.1:8080\r\n  pool = app\r\n"
      "[pool:app]\r\n  server = a 127.0.0.1:9001 ; first\r\n  server = b 127.0.0.1:9002\r\n";
  Config c = load_ok(text);
  BOOST_TEST(c.pools.at(0).servers.size() == 2u);
  BOOST_TEST(c.pools.at(0).servers.at(1).where.line == 7);
  auto e = errors_of("\xEF\xBB\xBF[frontend:web]\r\nbind = 127.0.0.1:8080\r\npool = app\r\n[pool:app]\r\nretries = x\r\n" +
                     std::string("server = a 127.0.0.1:9001\r\n"));
  BOOST_REQUIRE(e.size() == 1u);
  BOOST_TEST(e[0] == "t.ini:5: [pool:app] retries: bad number 'x' (expected an integer)");
}

BOOST_AUTO_TEST_CASE(host_names_resolve_only_when_allowed) {
  std::string text = lines({kFrontend, kBind, kUsePool, kPool, "server = a localhost:9001"});
  LoadResult offline = load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
  BOOST_REQUIRE(!offline.ok());
  BOOST_TEST(offline.errors.at(0).to_string() == "t.ini:5: [pool:app] server: server 'a': bad address 'localhost'");
  LoadResult online = load_config_string(text, "t.ini");
  BOOST_REQUIRE(online.ok());
  BOOST_TEST(online.config->pools[0].servers[0].address.port() == 9001);
  BOOST_TEST(online.config->pools[0].servers[0].address_text == "localhost:9001");
}

BOOST_AUTO_TEST_CASE(error_to_string_omits_empty_parts) {
  BOOST_TEST((ConfigError{"f.ini", 3, "pool:app", "retries", "bad"}.to_string() == "f.ini:3: [pool:app] retries: bad"));
  BOOST_TEST((ConfigError{"f.ini", 3, "pool:app", "", "bad"}.to_string() == "f.ini:3: [pool:app] bad"));
  BOOST_TEST((ConfigError{"f.ini", 3, "", "retries", "bad"}.to_string() == "f.ini:3: retries: bad"));
  BOOST_TEST((ConfigError{"f.ini", 0, "", "", "bad"}.to_string() == "f.ini:0: bad"));
}

BOOST_AUTO_TEST_CASE(enum_names_round_trip) {
  BOOST_TEST(std::string(to_string(Mode::Http)) == "http");
  BOOST_TEST(std::string(to_string(Balance::LeastConn)) == "leastconn");
  BOOST_TEST(std::string(to_string(Balance::RoundRobin)) == "roundrobin");
  BOOST_TEST(std::string(to_string(StickyKind::Learn)) == "learn");
  BOOST_TEST(std::string(to_string(HealthKind::None)) == "none");
  for (auto b : {Balance::RoundRobin, Balance::LeastConn, Balance::Random, Balance::Source, Balance::Hash}) {
    Config c = load_ok(lines({kFrontend, kBind, kUsePool, kPool, kServer, "balance = " + std::string(to_string(b))}));
    BOOST_TEST((c.pools[0].balance == b));
  }
}

BOOST_AUTO_TEST_CASE(find_by_name) {
  Config c = load_ok(lines({kFrontend, kBind, kUsePool, kPool, kServer, "server = b 127.0.0.1:9002"}));
  BOOST_TEST(c.find_frontend("web") == &c.frontends[0]);
  BOOST_TEST(c.find_frontend("app") == nullptr);
  BOOST_TEST(c.find_pool("app") == &c.pools[0]);
  BOOST_TEST(c.find_pool("web") == nullptr);
  BOOST_TEST(c.pools[0].find_server("b") == &c.pools[0].servers[1]);
  BOOST_TEST(c.pools[0].find_server("c") == nullptr);
}

BOOST_AUTO_TEST_CASE(files_load_and_fail_with_line_zero) {
  TempFile good(lines({kFrontend, kBind, kUsePool, kPool, kServer}));
  LoadResult r = load_config_file(good.path.string());
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.config->file == good.path.string());
  BOOST_TEST(r.config->frontends.at(0).where.file == good.path.string());

  TempFile bad(lines({kFrontend, kBind, kUsePool, kPool, kServer, "retries = 11"}));
  LoadResult b = load_config_file(bad.path.string());
  BOOST_REQUIRE(b.errors.size() == 1u);
  BOOST_TEST(b.errors[0].to_string().rfind(bad.path.string() + ":6: [pool:app] retries: ", 0) == 0);

  LoadResult missing = load_config_file("/nonexistent/tandem.ini");
  BOOST_TEST(!missing.ok());
  BOOST_REQUIRE(missing.errors.size() == 1u);
  BOOST_TEST(missing.errors[0].to_string() == "/nonexistent/tandem.ini:0: cannot open: No such file or directory");

  LoadResult dir = load_config_file("/");
  BOOST_REQUIRE(dir.errors.size() == 1u);
  BOOST_TEST(dir.errors[0].to_string() == "/:0: cannot read: Is a directory");
}

BOOST_AUTO_TEST_CASE(every_example_loads_cleanly) {
  auto dir = project_root() / "conf" / "examples";
  BOOST_REQUIRE_MESSAGE(std::filesystem::is_directory(dir), dir << " not found; run from the project root");
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".ini") continue;
    ++count;
    LoadResult r = load_config_file(entry.path().string(), LoadOptions{.resolve_hosts = false});
    for (const auto& e : r.errors) BOOST_ERROR(e.to_string());
    BOOST_TEST(r.ok(), entry.path());
  }
  BOOST_TEST(count >= 1);
  LoadResult single = load_config_file((dir / "single-node.ini").string());
  BOOST_REQUIRE(single.ok());
  const Config& c = *single.config;
  BOOST_TEST(c.global.status_socket == "/run/tandem/tandem.sock");
  BOOST_REQUIRE(c.frontends.size() == 1u);
  BOOST_TEST(c.frontends[0].binds.at(0).to_string() == "127.0.0.1:8080");
  BOOST_REQUIRE(c.pools.size() == 1u);
  BOOST_TEST((c.pools[0].health == HealthKind::Tcp));
  BOOST_REQUIRE(c.pools[0].servers.size() == 2u);
  BOOST_TEST(c.pools[0].servers[0].address.to_string() == "127.0.0.1:9001");
  BOOST_TEST(c.pools[0].servers[1].address.to_string() == "127.0.0.1:9002");
}

BOOST_AUTO_TEST_CASE(docs_list_every_key) {
  auto path = project_root() / "docs" / "config.md";
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, path << " not found; run from the project root");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto documented = [&](std::string_view key) {
    BOOST_TEST(doc.find("| `" + std::string(key) + "` |") != std::string::npos, key << " is not in docs/config.md");
  };
  for (const auto& k : global_keys()) documented(k.key);
  for (const auto& k : frontend_keys()) documented(k.key);
  for (const auto& k : pool_keys()) documented(k.key);
}

BOOST_AUTO_TEST_SUITE_END()
