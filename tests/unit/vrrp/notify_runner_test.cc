#define BOOST_TEST_DYN_LINK
#include "vrrp/notify_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/ev_watch.h"
#include "base/unique_fd.h"

using namespace tandem;
using namespace tandem::vrrp;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// A private loop, driven until a condition holds or a deadline passes; a
// 10 ms ticker keeps each turn short so the deadline is always checked.
class TestLoop {
 public:
  TestLoop() : loop_(ev_loop_new(EVFLAG_AUTO)) {}
  struct ev_loop* get() const { return loop_.get(); }

  template <typename Pred>
  bool run_until(Pred pred, milliseconds limit = milliseconds(5000)) {
    base::TimerWatcher ticker(loop_.get(), &noop, nullptr);
    ticker.start(0.01, 0.01);
    const auto deadline = Clock::now() + limit;
    while (!pred() && Clock::now() < deadline) ev_run(loop_.get(), EVRUN_ONCE);
    return pred();
  }

 private:
  static void noop(void*, int) {}
  base::EvLoop loop_;
};

// A scratch directory, removed with its files at the end of the test.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/tandem-notify-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Gone means no process, not even a zombie, with that pid.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notify_runner)

BOOST_AUTO_TEST_CASE(hook_gets_the_daemon_environment_plus_its_own) {
  TestLoop loop;
  TempDir dir;
  ::setenv("TANDEM_TEST_INHERITED", "from-daemon", 1);
  ::setenv("TANDEM_TEST_OVERRIDDEN", "old", 1);
  NotifyRunner runner(loop.get());
  BOOST_REQUIRE(runner.run("env > " + dir.file("env"),
                           {{"TANDEM_STATE", "MASTER"}, {"TANDEM_TEST_OVERRIDDEN", "new"}, {"TANDEM_EMPTY", ""}}));
  BOOST_CHECK_EQUAL(runner.running(), 1u);
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK_EQUAL(runner.succeeded(), 1u);
  BOOST_CHECK_EQUAL(runner.failed(), 0u);
  auto env = lines_of(dir.file("env"));
  auto has = [&](const std::string& line) { return std::find(env.begin(), env.end(), line) != env.end(); };
  BOOST_CHECK(has("TANDEM_STATE=MASTER"));
  BOOST_CHECK(has("TANDEM_TEST_INHERITED=from-daemon"));
  BOOST_CHECK(has("TANDEM_TEST_OVERRIDDEN=new"));
  BOOST_CHECK(!has("TANDEM_TEST_OVERRIDDEN=old"));
  BOOST_CHECK(has("TANDEM_EMPTY="));
  ::unsetenv("TANDEM_TEST_INHERITED");
  ::unsetenv("TANDEM_TEST_OVERRIDDEN");
}

BOOST_AUTO_TEST_CASE(the_loop_runs_while_a_hook_runs) {
  TestLoop loop;
  TempDir dir;
  NotifyRunner runner(loop.get());
  auto t0 = Clock::now();
  BOOST_REQUIRE(runner.run("sleep 0.3; echo done > " + dir.file("out"), {}));
  BOOST_CHECK(Clock::now() - t0 < milliseconds(200));  // run() only starts it

  // A 50 ms timer on the same loop fires while the hook still runs.
  struct Probe {
    NotifyRunner* runner;
    size_t running_when_fired = 99;
    void on_timer(int) { running_when_fired = runner->running(); }
  } probe{&runner};
  base::TimerWatcher timer(loop.get(), &base::member_callback<Probe, &Probe::on_timer>, &probe);
  timer.start(0.05);
  BOOST_REQUIRE(loop.run_until([&] { return probe.running_when_fired != 99; }));
  BOOST_CHECK_EQUAL(probe.running_when_fired, 1u);
  BOOST_CHECK(read_file(dir.file("out")).empty());

  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK_EQUAL(read_file(dir.file("out")), "done\n");
  BOOST_CHECK_EQUAL(runner.succeeded(), 1u);
}

BOOST_AUTO_TEST_CASE(exit_statuses_are_counted) {
  TestLoop loop;
  NotifyRunner runner(loop.get());
  BOOST_REQUIRE(runner.run("exit 0", {}));
  BOOST_REQUIRE(runner.run("exit 3", {}));
  BOOST_REQUIRE(runner.run("kill -TERM $$", {}));
  BOOST_REQUIRE(runner.run("true", {}));
  BOOST_REQUIRE(runner.run("/nonexistent/hook.sh", {}));  // the shell starts, says 127
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK_EQUAL(runner.succeeded(), 2u);
  BOOST_CHECK_EQUAL(runner.failed(), 3u);
  BOOST_CHECK_EQUAL(runner.timed_out(), 0u);
  BOOST_CHECK_EQUAL(runner.dropped(), 0u);
}

BOOST_AUTO_TEST_CASE(a_slow_hook_is_killed_at_the_timeout) {
  TestLoop loop;
  TempDir dir;
  NotifyRunner runner(loop.get(), {milliseconds(100), 8});
  auto t0 = Clock::now();
  // The hook backgrounds a child of its own: the timeout kills it too.
  BOOST_REQUIRE(runner.run("sleep 10 & echo $! > " + dir.file("child") + "; wait", {}));
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK(Clock::now() - t0 < milliseconds(3000));
  BOOST_CHECK(Clock::now() - t0 >= milliseconds(100));
  BOOST_CHECK_EQUAL(runner.failed(), 1u);
  BOOST_CHECK_EQUAL(runner.timed_out(), 1u);
  BOOST_CHECK_EQUAL(runner.succeeded(), 0u);
  auto child = lines_of(dir.file("child"));
  BOOST_REQUIRE_EQUAL(child.size(), 1u);
  pid_t pid = std::stoi(child[0]);
  // Its reaper is init (or a subreaper), not us: wait for it to be gone.
  BOOST_CHECK(loop.run_until([&] { return process_gone(pid); }, milliseconds(3000)));
}

BOOST_AUTO_TEST_CASE(at_most_max_running_and_the_rest_killed_at_destruction) {
  TestLoop loop;
  TempDir dir;
  std::vector<pid_t> pids;
  {
    NotifyRunner runner(loop.get(), {milliseconds(0), 2});  // no timeout
    const std::string hook = "echo $$ >> " + dir.file("pids") + "; exec sleep 10";
    BOOST_CHECK(runner.run(hook, {}));
    BOOST_CHECK(runner.run(hook, {}));
    BOOST_CHECK(!runner.run(hook, {}));  // the third is dropped
    BOOST_CHECK_EQUAL(runner.running(), 2u);
    BOOST_CHECK_EQUAL(runner.dropped(), 1u);
    BOOST_CHECK_EQUAL(runner.failed(), 1u);
    BOOST_REQUIRE(loop.run_until([&] { return lines_of(dir.file("pids")).size() == 2; }));
    for (auto& line : lines_of(dir.file("pids"))) pids.push_back(std::stoi(line));
    for (pid_t pid : pids) BOOST_CHECK_EQUAL(::kill(pid, 0), 0);
  }
  // The destructor killed and reaped both: no process, not even a zombie.
  for (pid_t pid : pids) {
    BOOST_CHECK_EQUAL(::kill(pid, 0), -1);
    BOOST_CHECK_EQUAL(errno, ESRCH);
  }
}

BOOST_AUTO_TEST_CASE(a_finished_hook_frees_its_slot) {
  TestLoop loop;
  NotifyRunner runner(loop.get(), {milliseconds(5000), 1});
  BOOST_REQUIRE(runner.run("true", {}));
  BOOST_CHECK(!runner.run("true", {}));
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK(runner.run("true", {}));
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK_EQUAL(runner.succeeded(), 2u);
  BOOST_CHECK_EQUAL(runner.dropped(), 1u);
}

BOOST_AUTO_TEST_CASE(stdin_is_dev_null_and_no_descriptor_leaks) {
  TestLoop loop;
  TempDir dir;
  // A descriptor the daemon forgot to mark close-on-exec.
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  base::UniqueFd read_end(p[0]), write_end(p[1]);
  NotifyRunner runner(loop.get());
  // cat would block forever on an inherited terminal or pipe.
  BOOST_REQUIRE(runner.run("cat > " + dir.file("stdin"), {}));
  // Lists which of the pipe's two descriptors the shell has open.
  BOOST_REQUIRE(runner.run("for fd in " + std::to_string(p[0]) + " " + std::to_string(p[1]) +
                               "; do [ -e /proc/$$/fd/$fd ] && echo $fd; done > " + dir.file("fds") + "; true",
                           {}));
  BOOST_REQUIRE(loop.run_until([&] { return runner.running() == 0; }));
  BOOST_CHECK_EQUAL(runner.succeeded(), 2u);
  BOOST_CHECK_EQUAL(read_file(dir.file("stdin")), "");
  BOOST_CHECK_EQUAL(read_file(dir.file("fds")), "");  // neither end inherited
  BOOST_CHECK_EQUAL(fcntl(read_end.get(), F_GETFD) & FD_CLOEXEC, 0);  // it really was inheritable
}

BOOST_AUTO_TEST_SUITE_END()
