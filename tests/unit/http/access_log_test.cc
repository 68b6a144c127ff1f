#define BOOST_TEST_DYN_LINK
#include "daemon/http/access_log.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace std::chrono;
using namespace std::chrono_literals;
using tandem::http_proxy::AccessLog;
using tandem::http_proxy::AccessLogOptions;
using tandem::http_proxy::AccessRecord;
using tandem::http_proxy::format_access_line;

namespace {

tandem::base::WallTime at(milliseconds since_midnight) {
  return tandem::base::WallTime(sys_days{year{2026} / 11 / 27} + since_midnight);
}

// The example of docs/http.md.
AccessRecord example() {
  AccessRecord r;
  r.time = at(10h + 15min + 2s + 123ms);
  r.client = "10.0.0.5:51234";
  r.frontend = "web";
  r.pool = "app";
  r.server = "be1";
  r.method = "GET";
  r.target = "/cart";
  r.http_minor = 1;
  r.status = 200;
  r.bytes_in = 512;
  r.bytes_out = 1834;
  r.queue_ms = 0;
  r.connect_ms = 0.4;
  r.response_ms = 2.1;
  r.total_ms = 2.6;
  r.request_id = "5f2c0a";
  return r;
}

std::string line_of(const AccessRecord& r) {
  std::string out;
  format_access_line(r, &out);
  return out;
}

// A fresh directory under /tmp, removed with its files at the end.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/access_log_test.XXXXXX";
    BOOST_REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    for (const char* name : {"/access.log", "/access.log.1"}) ::unlink((path + name).c_str());
    ::rmdir(path.c_str());
  }
  std::string file(const char* name = "/access.log") const { return path + name; }
  std::string path;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<AccessLog> open_log(const std::string& path, AccessLogOptions options = {}) {
  auto log = AccessLog::open(path, options);
  BOOST_REQUIRE_MESSAGE(log.ok(), (log.ok() ? "" : log.error().message));
  return std::move(*log);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(access_log)

BOOST_AUTO_TEST_CASE(formats_the_documented_line) {
  BOOST_TEST(line_of(example()) ==
             "2026-11-27T10:15:02.123Z 10.0.0.5:51234 web app be1 \"GET /cart HTTP/1.1\" 200 512 1834 "
             "q=0 c=0.4 r=2.1 t=2.6 id=5f2c0a\n");
}

BOOST_AUTO_TEST_CASE(absent_values_are_dashes) {
  AccessRecord r;
  r.time = at(0ms);
  r.client = "[2001:db8::5]:443";
  r.frontend = "web";
  r.http_minor = 0;
  r.status = 400;
  r.bytes_in = 17;
  r.bytes_out = 120;
  r.total_ms = 0.04;
  BOOST_TEST(line_of(r) == "2026-11-27T00:00:00.000Z [2001:db8::5]:443 web - - \"-\" 400 17 120 q=- c=- r=- t=0 id=-\n");
  r.method = "HEAD";
  r.target = "/";
  r.status = 0;
  BOOST_TEST(line_of(r) == "2026-11-27T00:00:00.000Z [2001:db8::5]:443 web - - \"HEAD / HTTP/1.0\" - 17 120 q=- c=- r=- t=0 id=-\n");
}

BOOST_AUTO_TEST_CASE(milliseconds_round_to_a_tenth) {
  AccessRecord r = example();
  r.queue_ms = 0.05;     // rounds up
  r.connect_ms = 12.0;   // no ".0"
  r.response_ms = 1999.96;
  r.total_ms = 30000.123;
  const std::string line = line_of(r);
  BOOST_TEST(line.find(" q=0.1 c=12 r=2000 t=30000.1 id=") != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(escapes_what_could_break_the_line) {
  AccessRecord r = example();
  r.target = std::string_view("/a\"b\\c\r\nd\x7f\x80 e\0f", 15);
  r.request_id = "x y\"z";
  const std::string line = line_of(r);
  BOOST_TEST(line.find(R"("GET /a\x22b\x5Cc\x0D\x0Ad\x7F\x80 e\x00f HTTP/1.1")") != std::string::npos, line);
  BOOST_TEST(line.find(R"( id=x\x20y\x22z)") != std::string::npos, line);
  BOOST_TEST(line.find('\n') == line.size() - 1);
}

BOOST_AUTO_TEST_CASE(long_targets_are_cut) {
  AccessRecord r = example();
  const std::string target = "/" + std::string(5000, 'a');
  r.target = target;
  const std::string line = line_of(r);
  const std::string kept = "\"GET /" + std::string(tandem::http_proxy::kMaxLoggedTarget - 1, 'a') + " HTTP/1.1\"";
  BOOST_TEST(line.find(kept) != std::string::npos);
  BOOST_TEST(line.size() < 1200u);
}

BOOST_AUTO_TEST_CASE(flush_writes_queued_lines_to_the_file) {
  TempDir dir;
  auto log = open_log(dir.file());
  BOOST_TEST(!log->is_syslog());
  BOOST_TEST(log->flush() == 0u);  // nothing queued
  AccessRecord r = example();
  BOOST_TEST(log->log(r));
  r.status = 404;
  BOOST_TEST(log->log(r));
  BOOST_TEST(log->queued() == 2u);
  BOOST_TEST(read_all(dir.file()).empty());  // workers never write
  BOOST_TEST(log->flush() == 2u);
  BOOST_TEST(log->queued() == 0u);
  BOOST_TEST(log->written() == 2u);
  r.status = 200;
  const std::string first = line_of(r);
  r.status = 404;
  BOOST_TEST(read_all(dir.file()) == first + line_of(r));
  struct stat st;
  BOOST_REQUIRE(::stat(dir.file().c_str(), &st) == 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  BOOST_TEST((st.st_mode & 0777) == (0640 & ~mask));
}

BOOST_AUTO_TEST_CASE(appends_to_an_existing_file) {
  TempDir dir;
  { std::ofstream(dir.file()) << "old line\n"; }
  auto log = open_log(dir.file());
  BOOST_TEST(log->log(example()));
  log.reset();  // the destructor flushes
  BOOST_TEST(read_all(dir.file()) == "old line\n" + line_of(example()));
}

BOOST_AUTO_TEST_CASE(lines_beyond_the_bound_are_dropped_and_counted) {
  TempDir dir;
  AccessLogOptions small;
  small.max_lines = 3;
  auto log = open_log(dir.file(), small);
  for (int i = 0; i < 3; ++i) BOOST_TEST(log->log(example()));
  BOOST_TEST(!log->log(example()));
  BOOST_TEST(!log->log(example()));
  BOOST_TEST(log->dropped() == 2u);
  BOOST_TEST(log->flush() == 3u);
  BOOST_TEST(log->log(example()));  // room again
  BOOST_TEST(log->flush() == 1u);
  BOOST_TEST(log->written() == 4u);

  AccessLogOptions tiny;
  tiny.max_bytes = line_of(example()).size() * 2;
  auto bytes = open_log(dir.file("/access.log.1"), tiny);
  BOOST_TEST(bytes->log(example()));
  BOOST_TEST(bytes->log(example()));
  BOOST_TEST(!bytes->log(example()));
  BOOST_TEST(bytes->dropped() == 1u);
}

BOOST_AUTO_TEST_CASE(reopen_follows_a_rotation) {
  TempDir dir;
  auto log = open_log(dir.file());
  AccessRecord r = example();
  r.target = "/before";
  BOOST_TEST(log->log(r));
  BOOST_TEST(log->flush() == 1u);
  BOOST_REQUIRE(::rename(dir.file().c_str(), dir.file("/access.log.1").c_str()) == 0);
  r.target = "/queued";  // logged before the reopen: belongs to the old file
  BOOST_TEST(log->log(r));
  BOOST_TEST(log->reopen().ok());
  r.target = "/after";
  BOOST_TEST(log->log(r));
  BOOST_TEST(log->flush() == 1u);
  const std::string old_file = read_all(dir.file("/access.log.1"));
  const std::string new_file = read_all(dir.file());
  BOOST_TEST(old_file.find("/before") != std::string::npos);
  BOOST_TEST(old_file.find("/queued") != std::string::npos);
  BOOST_TEST(old_file.find("/after") == std::string::npos);
  BOOST_TEST(new_file == line_of(r));
}

BOOST_AUTO_TEST_CASE(reopen_failure_keeps_the_old_file) {
  TempDir dir;
  const std::string sub = dir.path + "/sub";
  BOOST_REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
  auto log = open_log(sub + "/access.log");
  BOOST_REQUIRE(::rename((sub + "/access.log").c_str(), dir.file().c_str()) == 0);
  BOOST_REQUIRE(::rmdir(sub.c_str()) == 0);
  const auto status = log->reopen();
  BOOST_TEST(!status.ok());
  if (!status.ok()) BOOST_TEST(status.error().message.find(sub + "/access.log") != std::string::npos);
  BOOST_TEST(log->log(example()));
  BOOST_TEST(log->flush() == 1u);
  BOOST_TEST(read_all(dir.file()) == line_of(example()));
}

BOOST_AUTO_TEST_CASE(open_refuses_relative_and_unopenable_paths) {
  auto relative = AccessLog::open("access.log");
  BOOST_TEST(!relative.ok());
  auto missing = AccessLog::open("/nonexistent-dir-for-tandem-test/access.log");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().message.find("/nonexistent-dir-for-tandem-test/access.log") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_writes_are_counted_as_dropped) {
  auto log = open_log("/dev/full");  // every write fails with ENOSPC
  BOOST_TEST(log->log(example()));
  BOOST_TEST(log->log(example()));
  BOOST_TEST(log->flush() == 0u);
  BOOST_TEST(log->write_errors() == 1u);
  BOOST_TEST(log->dropped() == 2u);
  BOOST_TEST(log->written() == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_loggers_and_flusher_lose_nothing_silently) {
  TempDir dir;
  AccessLogOptions opts;
  opts.max_lines = 512;
  auto log = open_log(dir.file(), opts);
  constexpr int kPerThread = 5000;
  auto work = [&](const char* frontend) {
    AccessRecord r = example();
    r.frontend = frontend;
    for (int i = 0; i < kPerThread; ++i) log->log(r);
  };
  std::thread a(work, "fa");
  std::thread b(work, "fb");
  // The "main thread" flushes while the workers log.
  for (int i = 0; i < 1000 && log->written() + log->dropped() < 2u * kPerThread; ++i) {
    log->flush();
    std::this_thread::sleep_for(1ms);
  }
  a.join();
  b.join();
  log->flush();
  BOOST_TEST(log->written() + log->dropped() == 2u * kPerThread);
  AccessRecord r = example();
  r.frontend = "fa";
  const std::string line_a = line_of(r);
  r.frontend = "fb";
  const std::string line_b = line_of(r);
  std::istringstream in(read_all(dir.file()));
  size_t lines = 0, good = 0;
  for (std::string l; std::getline(in, l); ++lines) {
    l.push_back('\n');
    if (l == line_a || l == line_b) ++good;
  }
  BOOST_TEST(lines == log->written());
  BOOST_TEST(good == lines);  // whole lines, never interleaved
}

BOOST_AUTO_TEST_SUITE_END()
