#define BOOST_TEST_DYN_LINK
#include "daemon/status/status_server.h"

#include <boost/test/unit_test.hpp>

#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <optional>

#include "daemon/status/status_client.h"
#include "tests/unit/status/printers.h"
#include "tests/unit/status/test_support.h"

using namespace tandem::status;
using namespace tandem::status::testing;
using namespace std::chrono_literals;

namespace {

// 16384 lines of 64 bytes: 1 MiB of body.
std::string big_body() {
  std::string body;
  body.reserve(1 << 20);
  for (int i = 0; i < 16384; ++i) {
    char line[65];
    snprintf(line, sizeof line, "line %06d %s", i, std::string(51, 'x').c_str());
    body += line;
    body += '\n';
  }
  return body;
}

struct ServerFixture {
  TempDir dir;
  std::string path = dir.path() + "/run/tandem.sock";
  LoopThread loop;
  // Loop-thread state.
  std::unique_ptr<CommandRegistry> registry;
  std::unique_ptr<StatusServer> server;
  std::optional<Responder> held;

  ~ServerFixture() {
    loop.run([this] {
      held.reset();
      server.reset();
      registry.reset();
    });
  }

  void start(StatusServerOptions options = {}) {
    options.path = path;
    const bool ok = loop.run([&] {
      registry = std::make_unique<CommandRegistry>();
      add({.words = "echo", .args = "WORDS", .summary = "s", .access = Access::Read,
           .handler = [](const Request& r) {
             std::string body;
             for (const auto& a : r.args) body += (body.empty() ? "" : " ") + a;
             return Response::ok(body);
           }});
      add({.words = "big", .args = "", .summary = "s", .access = Access::Read,
           .handler = [](const Request&) { return Response::ok(big_body()); }});
      add({.words = "admin", .args = "", .summary = "s", .access = Access::Admin,
           .handler = [](const Request&) { return Response::ok("done"); }});
      add({.words = "later", .args = "", .summary = "s", .access = Access::Read,
           .async_handler = [this](const Request&, Responder r) { held.emplace(std::move(r)); }});
      server = std::make_unique<StatusServer>(loop.loop(), *registry, options);
      auto s = server->start();
      if (!s) BOOST_TEST_MESSAGE(s.error().message);
      return s.ok();
    });
    BOOST_REQUIRE(ok);
  }
  void add(Command c) { BOOST_REQUIRE(registry->add(std::move(c)).ok()); }

  StatusCounters counters() {
    return loop.run([this] { return server->counters(); });
  }
  size_t clients() {
    return loop.run([this] { return server ? server->client_count() : 0; });
  }
  bool holding() {
    return loop.run([this] { return held.has_value(); });
  }
};

// Splits a buffer holding complete responses.
std::vector<ParsedResponse> responses(std::string buf) {
  std::vector<ParsedResponse> out;
  ParsedResponse p;
  while (auto used = parse_response(buf, p)) {
    out.push_back(p);
    buf.erase(0, *used);
  }
  return out;
}

size_t count_responses(const std::string& buf) { return responses(buf).size(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(status_server)

BOOST_FIXTURE_TEST_CASE(answers_one_command, ServerFixture) {
  start();
  auto r = request(path, "echo hello world", 5s);
  BOOST_REQUIRE_MESSAGE(r.failure == ClientFailure::None, r.error);
  BOOST_TEST(r.response.ok());
  BOOST_TEST(r.response.body == std::vector<std::string>{"hello world"});
  r = request(path, "nope", 5s);
  BOOST_TEST(r.response.code == 400);
  BOOST_TEST(r.response.message == "unknown command 'nope'; try 'help'");
  BOOST_TEST(eventually([&] { return clients() == 0; }));
  BOOST_TEST(counters().connections == 2u);
  BOOST_TEST(counters().commands == 2u);
  BOOST_TEST(counters().errors == 1u);
}

BOOST_FIXTURE_TEST_CASE(answers_several_commands_on_one_connection_in_order, ServerFixture) {
  start();
  RawClient c(path);
  BOOST_REQUIRE(c.connected());
  BOOST_REQUIRE(c.send_all("echo 1\necho 2\r\nnope\n\necho 3\n"));
  BOOST_REQUIRE(eventually([&] { c.read_some(65536, 10ms); return count_responses(c.buffer()) == 5; }));
  auto rs = responses(c.buffer());
  BOOST_TEST(rs[0].body == std::vector<std::string>{"1"});
  BOOST_TEST(rs[1].body == std::vector<std::string>{"2"});  // CRLF tolerated
  BOOST_TEST(rs[2].code == 400);
  BOOST_TEST(rs[3].code == 400);  // the empty line
  BOOST_TEST(rs[4].body == std::vector<std::string>{"3"});
  // Still open for more.
  BOOST_REQUIRE(c.send_all("echo 4\n"));
  BOOST_REQUIRE(c.read_until("OK\n4\n\n"));
  BOOST_TEST(!c.eof());
}

BOOST_FIXTURE_TEST_CASE(answers_the_last_line_after_the_peer_stops_sending, ServerFixture) {
  start();
  RawClient c(path);
  BOOST_REQUIRE(c.send_all("echo a\necho last"));  // no final newline
  c.shutdown_write();
  BOOST_REQUIRE(c.read_to_eof());
  BOOST_TEST(c.buffer() == "OK\na\n\nOK\nlast\n\n");
}

BOOST_FIXTURE_TEST_CASE(an_over_long_line_is_refused_and_closed, ServerFixture) {
  start();
  {
    RawClient c(path);
    BOOST_REQUIRE(c.send_all(std::string(5000, 'a') + "\necho never\n"));
    BOOST_REQUIRE(c.read_to_eof());
    BOOST_TEST(c.buffer() == "ERR 400 line too long (max 4096 bytes)\n\n");
  }
  {
    RawClient c(path);  // the same without a newline: no waiting for one
    BOOST_REQUIRE(c.send_all(std::string(4100, 'b')));
    BOOST_REQUIRE(c.read_to_eof());
    BOOST_TEST(c.buffer() == "ERR 400 line too long (max 4096 bytes)\n\n");
  }
  {
    RawClient c(path);  // exactly the limit is fine
    BOOST_REQUIRE(c.send_all("echo " + std::string(4091, 'c') + "\r\n"));
    BOOST_REQUIRE(c.read_until("\n\n"));
    BOOST_TEST(c.buffer().rfind("OK\n", 0) == 0u);
  }
  BOOST_TEST(counters().lines_too_long == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_client_that_stalls_mid_line_is_dropped_after_the_timeout, ServerFixture) {
  StatusServerOptions o;
  o.idle_timeout = 200ms;
  start(o);
  RawClient c(path);
  const auto t0 = Clock::now();
  BOOST_REQUIRE(c.send_all("ech"));
  BOOST_REQUIRE(c.read_to_eof(5s));
  const auto waited = Clock::now() - t0;
  BOOST_TEST(c.buffer() == "ERR 400 timed out waiting for a complete line\n\n");
  BOOST_TEST((waited >= 150ms));
  BOOST_TEST(counters().timeouts == 1u);
  BOOST_TEST(eventually([&] { return clients() == 0; }));
}

BOOST_FIXTURE_TEST_CASE(garbage_is_answered_not_fatal, ServerFixture) {
  start();
  RawClient c(path);
  BOOST_REQUIRE(c.send_all(std::string("ec\0ho x\n", 8) + "\xff\xfe\n" + "\x01\x02\n" + "echo ok\n"));
  BOOST_REQUIRE(eventually([&] { c.read_some(65536, 10ms); return count_responses(c.buffer()) == 4; }));
  auto rs = responses(c.buffer());
  BOOST_TEST(rs[0].code == 400);
  BOOST_TEST(rs[0].message == "NUL byte in the line");
  BOOST_TEST(rs[1].message == "the line is not valid UTF-8");
  BOOST_TEST(rs[2].message == "control character in the line");
  BOOST_TEST(rs[3].body == std::vector<std::string>{"ok"});
  BOOST_TEST(counters().bad_bytes == 3u);
  // And a flood of random bytes in one go.
  std::string junk;
  for (int i = 0; i < 20000; ++i) junk += static_cast<char>((i * 7919) & 0xFF);
  RawClient d(path);
  d.send_all(junk);
  d.shutdown_write();
  BOOST_TEST(d.read_to_eof(5s));  // every line answered, then closed
  BOOST_TEST(count_responses(d.buffer()) > 10u);
  BOOST_TEST(request(path, "echo alive", 5s).response.ok());
}

BOOST_FIXTURE_TEST_CASE(a_big_answer_read_slowly_does_not_block_others, ServerFixture) {
  start();
  RawClient slow(path, 4096);
  BOOST_REQUIRE(slow.send_all("big\necho after\n"));
  BOOST_REQUIRE(slow.read_some(100, 5s) > 0);  // the answer has started

  // Meanwhile another client is served at once.
  for (int i = 0; i < 3; ++i) {
    auto r = request(path, "echo quick", 2s);
    BOOST_REQUIRE_MESSAGE(r.failure == ClientFailure::None, r.error);
    BOOST_TEST(r.response.body == std::vector<std::string>{"quick"});
  }
  BOOST_TEST(slow.buffer().size() < 200000u);  // the slow client really is behind

  // The slow client reads on, in small bites, and gets every byte in order.
  for (int i = 0; i < 20; ++i) {
    slow.read_some(4096, 1s);
    std::this_thread::sleep_for(1ms);
  }
  BOOST_REQUIRE(slow.read_until("OK\nafter\n\n", 10s));
  std::string expected;
  encode_response(Response::ok(big_body()), expected);
  encode_response(Response::ok("after"), expected);
  BOOST_TEST(slow.buffer().size() == expected.size());
  BOOST_TEST((slow.buffer() == expected));
}

BOOST_FIXTURE_TEST_CASE(a_client_leaving_mid_answer_is_cleaned_up, ServerFixture) {
  start();
  {
    RawClient c(path, 4096);
    BOOST_REQUIRE(c.send_all("big\n"));
    BOOST_REQUIRE(c.read_some(100, 5s) > 0);
  }  // closed with most of the answer unread
  BOOST_TEST(eventually([&] { return clients() == 0; }));
  BOOST_TEST(request(path, "echo fine", 5s).response.ok());
}

BOOST_FIXTURE_TEST_CASE(async_answers_keep_the_order_of_a_connection, ServerFixture) {
  start();
  RawClient c(path);
  BOOST_REQUIRE(c.send_all("later\necho after\n"));
  BOOST_REQUIRE(eventually([&] { return holding(); }));
  // Other clients are served while that command is pending...
  BOOST_TEST(request(path, "echo other", 2s).response.ok());
  // ...but this connection's next answer waits for the pending one.
  BOOST_TEST(c.read_some(100, 50ms) == 0u);
  loop.run([this] {
    BOOST_CHECK(!held->client_gone());
    held->reply(Response::ok("first"));
  });
  BOOST_REQUIRE(c.read_until("OK\nafter\n\n"));
  BOOST_TEST(c.buffer() == "OK\nfirst\n\nOK\nafter\n\n");
}

BOOST_FIXTURE_TEST_CASE(an_async_answer_after_the_client_left_is_dropped, ServerFixture) {
  start();
  {
    RawClient c(path);
    BOOST_REQUIRE(c.send_all("later\n"));
    BOOST_REQUIRE(eventually([&] { return holding(); }));
  }  // the client leaves before the answer
  loop.run([this] {
    held->reply(Response::ok(big_body()));
    held.reset();
  });
  BOOST_TEST(eventually([&] { return clients() == 0; }));
  BOOST_TEST(request(path, "echo fine", 5s).response.ok());

  // And when the whole server is gone before the answer.
  RawClient c(path);
  BOOST_REQUIRE(c.send_all("later\n"));
  BOOST_REQUIRE(eventually([&] { return holding(); }));
  const bool gone = loop.run([this] {
    server.reset();
    const bool g = held->client_gone();
    held->reply(Response::ok("nobody hears this"));
    held.reset();
    return g;
  });
  BOOST_TEST(gone);
  BOOST_TEST(c.read_to_eof());
  BOOST_TEST(c.buffer() == "");
}

BOOST_FIXTURE_TEST_CASE(a_dropped_async_command_is_answered_500, ServerFixture) {
  start();
  RawClient c(path);
  BOOST_REQUIRE(c.send_all("later\n"));
  BOOST_REQUIRE(eventually([&] { return holding(); }));
  loop.run([this] { held.reset(); });  // the daemon lost it
  BOOST_REQUIRE(c.read_until("\n\n"));
  BOOST_TEST(c.buffer() == "ERR 500 internal error: the command gave no answer\n\n");
}

BOOST_FIXTURE_TEST_CASE(too_many_clients_are_turned_away, ServerFixture) {
  StatusServerOptions o;
  o.max_clients = 2;
  start(o);
  RawClient a(path), b(path);
  BOOST_REQUIRE(a.send_all("echo a\n") && a.read_until("\n\n"));
  BOOST_REQUIRE(b.send_all("echo b\n") && b.read_until("\n\n"));
  RawClient c(path);
  BOOST_REQUIRE(c.read_to_eof());
  BOOST_TEST(c.buffer() == "ERR 409 too many clients (max 2)\n\n");
  BOOST_TEST(counters().rejected_clients == 1u);
  a.close();
  BOOST_REQUIRE(eventually([&] { return clients() == 1; }));
  auto r = request(path, "echo d", 5s);
  BOOST_TEST(r.response.ok());
}

// SO_PEERCRED end to end: a child that is not root may read but not change.
BOOST_FIXTURE_TEST_CASE(admin_commands_need_a_root_peer, ServerFixture) {
  StatusServerOptions o;
  o.group = "nogroup";
  start(o);
  BOOST_REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  BOOST_REQUIRE(::chmod((dir.path() + "/run").c_str(), 0755) == 0);
  BOOST_TEST(request(path, "admin", 5s).response.ok());  // we are root

  char sun_path[108] = {};
  path.copy(sun_path, sizeof sun_path - 1);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // Only async-signal-safe calls: the parent has threads.
    const gid_t nogroup = 65534;
    if (::setgroups(0, nullptr) != 0 || ::setgid(nogroup) != 0 || ::setuid(65534) != 0) ::_exit(10);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, sun_path, sizeof sun_path);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) ::_exit(11);
    const char req[] = "admin\necho x\n";
    if (::write(fd, req, sizeof req - 1) != static_cast<ssize_t>(sizeof req - 1)) ::_exit(12);
    ::shutdown(fd, SHUT_WR);
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf && (n = ::read(fd, buf + got, sizeof buf - got)) > 0) got += static_cast<size_t>(n);
    const char want[] = "ERR 403 permission denied: admin needs root\n\nOK\nx\n\n";
    ::_exit(got == sizeof want - 1 && memcmp(buf, want, got) == 0 ? 0 : 13);
  }
  int status = 0;
  const bool done = eventually([&] { return ::waitpid(child, &status, WNOHANG) == child; }, 10s);
  if (!done) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  BOOST_REQUIRE(done);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_FIXTURE_TEST_CASE(a_second_server_on_a_live_socket_is_refused, ServerFixture) {
  start();
  const std::string err = loop.run([this] {
    StatusServerOptions o;
    o.path = path;
    StatusServer second(loop.loop(), *registry, o);
    auto s = second.start();
    return s.ok() ? std::string() : s.error().message;
  });
  BOOST_TEST(err.find("another process is answering") != std::string::npos);
  BOOST_TEST(request(path, "echo still", 5s).response.ok());
}

BOOST_FIXTURE_TEST_CASE(the_client_reports_why_it_cannot_reach, ServerFixture) {
  auto r = request(dir.path() + "/missing.sock", "help", 1s);
  BOOST_TEST(r.failure == ClientFailure::NoSocket);
  BOOST_TEST(r.error.find(dir.path() + "/missing.sock") != std::string::npos);
  {
    // A stale socket file: refused.
    tandem::base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string stale = dir.path() + "/stale.sock";
    stale.copy(addr.sun_path, sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    r = request(stale, "help", 1s);
    BOOST_TEST(r.failure == ClientFailure::Refused);
    BOOST_TEST(r.error.find("connection refused") != std::string::npos);
  }
  {
    // A listener that never answers: timeout.
    tandem::base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string mute = dir.path() + "/mute.sock";
    mute.copy(addr.sun_path, sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::listen(fd.get(), 4) == 0);
    const auto t0 = Clock::now();
    r = request(mute, "help", 200ms);
    BOOST_TEST(r.failure == ClientFailure::Timeout);
    BOOST_TEST(r.error.find("timed out after 0.2 s") != std::string::npos);
    BOOST_TEST((Clock::now() - t0 < 3s));
  }
}

BOOST_AUTO_TEST_SUITE_END()
