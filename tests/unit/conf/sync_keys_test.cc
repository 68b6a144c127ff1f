#define BOOST_TEST_DYN_LINK
#include "conf/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "conf/key_rules.h"
#include "tests/unit/conf/conf_test_util.h"

using namespace tandem::conf;
using namespace tandem::conf::testing;

namespace {

// A 32-byte key as `openssl rand -hex 32` writes it: 00 01 02 ... 1f.
constexpr std::string_view kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

std::string key_bytes_0_to_31() {
  std::string k;
  for (int i = 0; i < 32; ++i) k.push_back(static_cast<char>(i));
  return k;
}

// A temporary file with the given content and mode, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(std::string_view content, mode_t mode = 0600) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && dir[0] == '/' ? dir : "/tmp") + "/sync_keys_test.XXXXXX";
    int fd = ::mkstemp(path_.data());
    BOOST_REQUIRE(fd >= 0);
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      BOOST_REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    BOOST_REQUIRE(::chmod(path_.c_str(), mode) == 0);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A valid config (lines 1-5), then [global] node = lb-a (lines 6-7), then
// `extra` (the first extra line is line 8).
std::string with(std::initializer_list<std::string_view> extra) {
  std::string text = lines({kFrontend, kBind, kUsePool, kPool, kServer, "[global]", "node = lb-a"});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

// A minimal valid [sync] section (lines 8-11) using `key_file`, then `extra`
// (line 12 on).
std::string sync_with(const std::string& key_file, std::initializer_list<std::string_view> extra) {
  std::string kf = "key_file = " + key_file;
  std::string text = with({"[sync]", "listen = 10.0.0.11:7400", "peer = 10.0.0.12:7400", kf});
  for (auto l : extra) text.append(l).append("\n");
  return text;
}

LoadResult load(const std::string& text) {
  return load_config_string(text, "t.ini", LoadOptions{.resolve_hosts = false});
}

void expect_one(const std::vector<std::string>& errors, std::string_view prefix, std::string_view gist) {
  BOOST_TEST_INFO("errors: " << errors.size() << (errors.empty() ? std::string() : ", first: " + errors[0]));
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].rfind(prefix, 0) == 0, errors[0] << " does not start with " << prefix);
  BOOST_TEST(errors[0].find(gist) != std::string::npos, errors[0] << " does not contain " << gist);
}

// The errors of a [sync] section whose key file holds `content` (mode 0600).
std::vector<std::string> key_errors(std::string_view content, std::string* path) {
  TempFile f(content);
  *path = f.path();
  return errors_of(sync_with(f.path(), {}));
}

std::filesystem::path project_root() {
  std::string self = __FILE__;
  std::string tail = "tests/unit/conf/sync_keys_test.cc";
  std::string root = self.substr(0, self.size() - tail.size());
  return root.empty() ? std::filesystem::path(".") : std::filesystem::path(root);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sync_keys)

BOOST_AUTO_TEST_CASE(no_section_means_disabled) {
  LoadResult r = load(with({}));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(!r.config->sync.enabled);
  BOOST_TEST(r.config->sync.key.empty());
}

BOOST_AUTO_TEST_CASE(defaults_of_a_minimal_section) {
  TempFile key(kKeyHex);
  LoadResult r = load(sync_with(key.path(), {}));
  for (const auto& e : r.errors) BOOST_TEST_MESSAGE(e.to_string());
  BOOST_REQUIRE(r.ok());
  const SyncConf& s = r.config->sync;
  BOOST_TEST(s.enabled);
  BOOST_TEST(s.where.line == 8);
  BOOST_TEST(s.listen.to_string() == "10.0.0.11:7400");
  BOOST_TEST(s.peer.to_string() == "10.0.0.12:7400");
  BOOST_TEST(s.key_file == key.path());
  BOOST_TEST(s.key == key_bytes_0_to_31());
  BOOST_TEST(s.peer_node.empty());
  BOOST_TEST(s.heartbeat_interval.count() == 1000);
  BOOST_TEST(s.peer_timeout.count() == 3000);
  BOOST_TEST(s.batch_delay.count() == 10);
  BOOST_TEST(s.failover_sync_timeout.count() == 2000);
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  // Upper case, CRLF and blanks at both ends are accepted; 40 bytes of key.
  std::string hex = "  \r\n";
  for (int i = 0; i < 40; ++i) hex += "A5";
  hex += "\r\n\n";
  TempFile key(hex);
  LoadResult r = load(with({"[sync]", "listen = [2001:db8::11]:7401", "peer = [2001:db8::12]:7402",
                            "key_file = " + key.path(), "peer_node = lb-b", "heartbeat_interval = 200ms",
                            "peer_timeout = 1s", "batch_delay = 1ms", "failover_sync_timeout = 0s"}));
  for (const auto& e : r.errors) BOOST_TEST_MESSAGE(e.to_string());
  BOOST_REQUIRE(r.ok());
  const SyncConf& s = r.config->sync;
  BOOST_TEST(s.listen.to_string() == "[2001:db8::11]:7401");
  BOOST_TEST(s.peer.to_string() == "[2001:db8::12]:7402");
  BOOST_TEST(s.key == std::string(40, '\xa5'));
  BOOST_TEST(s.peer_node == "lb-b");
  BOOST_TEST(s.heartbeat_interval.count() == 200);
  BOOST_TEST(s.peer_timeout.count() == 1000);
  BOOST_TEST(s.batch_delay.count() == 1);
  BOOST_TEST(s.failover_sync_timeout.count() == 0);
}

BOOST_AUTO_TEST_CASE(one_section_without_a_name) {
  TempFile key(kKeyHex);
  auto e = errors_of(sync_with(key.path(), {"[sync]", "peer_node = x"}));
  expect_one(e, "t.ini:12: [sync] ", "duplicate section (first at line 8)");
  expect_one(errors_of(with({"[sync:a]"})), "t.ini:8: [sync:a] ", "section [sync] takes no name");
  expect_one(errors_of(with({"[synk]"})), "t.ini:8: [synk] ", "unknown section (did you mean [sync]?)");
}

BOOST_AUTO_TEST_CASE(required_keys) {
  auto e = errors_of(with({"[sync]", "peer_node = lb-b"}));
  BOOST_REQUIRE_EQUAL(e.size(), 3u);
  BOOST_TEST(e[0].rfind("t.ini:8: [sync] listen: missing", 0) == 0, e[0]);
  BOOST_TEST(e[1].rfind("t.ini:8: [sync] peer: missing", 0) == 0, e[1]);
  BOOST_TEST(e[2].rfind("t.ini:8: [sync] key_file: missing", 0) == 0, e[2]);
  BOOST_TEST(e[2].find("openssl rand -hex 32") != std::string::npos, e[2]);
}

BOOST_AUTO_TEST_CASE(addresses_are_literal_with_a_port) {
  TempFile key(kKeyHex);
  expect_one(errors_of(sync_with(key.path(), {"listen = lb-a:7400"})), "t.ini:12: [sync] listen: given twice", "");
  auto text = [&](std::string_view listen, std::string_view peer) {
    return with({"[sync]", "listen = " + std::string(listen), "peer = " + std::string(peer), "key_file = " + key.path()});
  };
  expect_one(errors_of(text("10.0.0.11:7400", "lb-b:7400")), "t.ini:10: [sync] peer: ",
             "host names are not allowed here");
  expect_one(errors_of(text("localhost:7400", "10.0.0.12:7400")), "t.ini:9: [sync] listen: ",
             "host names are not allowed here");
  expect_one(errors_of(text("10.0.0.11", "10.0.0.12:7400")), "t.ini:9: [sync] listen: ", "missing port");
  expect_one(errors_of(text("10.0.0.11:7400", "10.0.0.12:70000")), "t.ini:10: [sync] peer: ", "port out of range");
  expect_one(errors_of(text("*:7400", "10.0.0.12:7400")), "t.ini:9: [sync] listen: ", "is a wildcard address");
  expect_one(errors_of(text("10.0.0.11:7400", "[::]:7400")), "t.ini:10: [sync] peer: ", "is a wildcard address");
}

BOOST_AUTO_TEST_CASE(addresses_of_one_family_and_different) {
  TempFile key(kKeyHex);
  auto text = [&](std::string_view listen, std::string_view peer) {
    return with({"[sync]", "key_file = " + key.path(), "listen = " + std::string(listen), "peer = " + std::string(peer)});
  };
  expect_one(errors_of(text("10.0.0.11:7400", "[2001:db8::12]:7400")), "t.ini:11: [sync] peer: ",
             "are of different families");
  expect_one(errors_of(text("10.0.0.11:7400", "10.0.0.11:7400")), "t.ini:11: [sync] peer: ",
             "the same address as listen (10.0.0.11:7400)");
  // Two nodes on one host (a test lab): same address, other port.
  BOOST_TEST(load(text("127.0.0.1:7400", "127.0.0.1:7401")).ok());
}

BOOST_AUTO_TEST_CASE(key_file_must_exist) {
  auto e = errors_of(with({"[sync]", "listen = 10.0.0.11:7400", "peer = 10.0.0.12:7400",
                           "key_file = /nonexistent/tandem/sync.key"}));
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == "t.ini:11: [sync] key_file: /nonexistent/tandem/sync.key: cannot read: No such file or directory");
  expect_one(errors_of(sync_with("sync.key", {})), "t.ini:11: [sync] key_file: ", "must be an absolute path");
  expect_one(errors_of(sync_with("/", {})), "t.ini:11: [sync] key_file: ", "/: not a regular file");
}

BOOST_AUTO_TEST_CASE(key_file_must_be_private) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0610}) {
    TempFile key(kKeyHex, static_cast<mode_t>(mode));
    auto e = errors_of(sync_with(key.path(), {}));
    BOOST_TEST_INFO("mode " << std::oct << mode);
    expect_one(e, "t.ini:11: [sync] key_file: " + key.path() + ": mode 0", "chmod 600 " + key.path());
  }
  TempFile owner_only(kKeyHex, 0400);
  BOOST_TEST(load(sync_with(owner_only.path(), {})).ok());
}

BOOST_AUTO_TEST_CASE(key_file_is_hex) {
  std::string path;
  std::string bad(kKeyHex);
  bad[16] = 'g';  // the 17th character
  auto e = key_errors(bad, &path);
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == "t.ini:11: [sync] key_file: " + path + ": not hex (character 17)");

  // Blanks inside the key are not ends.
  std::string spaced = std::string(kKeyHex.substr(0, 32)) + " " + std::string(kKeyHex.substr(32));
  expect_one(key_errors(spaced, &path), "t.ini:11: [sync] key_file: ", ": not hex (character 33)");
  // A leading blank counts in the position.
  expect_one(key_errors("\n xy" + std::string(kKeyHex), &path), "t.ini:11: [sync] key_file: ",
             ": not hex (character 3)");
  expect_one(key_errors(std::string(kKeyHex.substr(0, 63)), &path), "t.ini:11: [sync] key_file: ",
             "an odd number of hex digits (63)");
}

BOOST_AUTO_TEST_CASE(key_is_32_to_512_bytes) {
  std::string path;
  auto e = key_errors(std::string(32, 'a') + "\n", &path);
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == "t.ini:11: [sync] key_file: " + path +
                         ": 16 bytes of key, at least 32 needed (openssl rand -hex 32 > " + path + ")");
  expect_one(key_errors("", &path), "t.ini:11: [sync] key_file: ", ": 0 bytes of key, at least 32 needed");
  expect_one(key_errors(std::string(62, 'a'), &path), "t.ini:11: [sync] key_file: ",
             ": 31 bytes of key, at least 32 needed");
  expect_one(key_errors(std::string(1026, 'a'), &path), "t.ini:11: [sync] key_file: ",
             ": 1026 hex digits, at most 1024");
  expect_one(key_errors(std::string(5000, ' '), &path), "t.ini:11: [sync] key_file: ", "too large for a key file");

  TempFile largest(std::string(1024, 'b'));
  LoadResult r = load(sync_with(largest.path(), {}));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.config->sync.key == std::string(512, '\xbb'));
}

BOOST_AUTO_TEST_CASE(durations_in_range) {
  TempFile key(kKeyHex);
  auto one = [&](std::string_view line, std::string_view gist) {
    BOOST_TEST_CONTEXT(line) {
      auto e = errors_of(sync_with(key.path(), {line}));
      expect_one(e, "t.ini:12: [sync] " + std::string(line.substr(0, line.find(' '))) + ": ", gist);
    }
  };
  one("heartbeat_interval = 5ms", "10ms");
  one("heartbeat_interval = 61s", "1m");
  one("heartbeat_interval = 1", "needs a unit");
  one("peer_timeout = 50ms", "100ms");
  one("peer_timeout = 11m", "10m");
  one("batch_delay = 0ms", "1ms");
  one("batch_delay = 2s", "1s");
  one("failover_sync_timeout = 61s", "1m");
  BOOST_TEST(load(sync_with(key.path(), {"heartbeat_interval = 10ms", "peer_timeout = 100ms"})).ok());
  BOOST_TEST(load(sync_with(key.path(), {"heartbeat_interval = 60s", "peer_timeout = 10m"})).ok());
}

BOOST_AUTO_TEST_CASE(peer_timeout_above_two_heartbeats) {
  TempFile key(kKeyHex);
  auto e = errors_of(sync_with(key.path(), {"heartbeat_interval = 1s", "peer_timeout = 2s"}));
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0] == "t.ini:13: [sync] peer_timeout: 2s must be more than 2 x heartbeat_interval (2 x 1s), "
                     "or a late heartbeat resets the link");
  // peer_timeout left at its default (3s): reported on heartbeat_interval's line.
  expect_one(errors_of(sync_with(key.path(), {"heartbeat_interval = 1500ms"})), "t.ini:12: [sync] peer_timeout: ",
             "3s must be more than 2 x heartbeat_interval (2 x 1500ms)");
  BOOST_TEST(load(sync_with(key.path(), {"heartbeat_interval = 1s", "peer_timeout = 2001ms"})).ok());
}

BOOST_AUTO_TEST_CASE(peer_node_is_another_node) {
  TempFile key(kKeyHex);
  expect_one(errors_of(sync_with(key.path(), {"peer_node = lb-a"})), "t.ini:12: [sync] peer_node: ",
             "'lb-a' is this node's own name");
  expect_one(errors_of(sync_with(key.path(), {"peer_node = lb b"})), "t.ini:12: [sync] peer_node: ", "node name");
  BOOST_TEST(load(sync_with(key.path(), {"peer_node = lb-b"})).ok());
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_explained) {
  TempFile key(kKeyHex);
  expect_one(errors_of(sync_with(key.path(), {"peer_timout = 3s"})), "t.ini:12: [sync] peer_timout: ",
             "unknown key 'peer_timout' (did you mean 'peer_timeout'?)");
  expect_one(errors_of(sync_with(key.path(), {"workers = 2"})), "t.ini:12: [sync] workers: ",
             "it belongs in [global]");
  expect_one(errors_of(with({"key_file = /etc/tandem/sync.key"})), "t.ini:8: [global] key_file: ",
             "it belongs in [sync]");
}

BOOST_AUTO_TEST_CASE(docs_list_every_key) {
  auto path = project_root() / "docs" / "config.md";
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, path << " not found; run from the project root");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(doc.find("## `[sync]`") != std::string::npos);
  for (const auto& k : tandem::conf::sync_keys())
    BOOST_TEST(doc.find("| `" + std::string(k.key) + "` |") != std::string::npos, k.key << " is not in docs/config.md");
}

BOOST_AUTO_TEST_SUITE_END()
