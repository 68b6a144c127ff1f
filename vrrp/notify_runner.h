#pragma once
// Runs the operator's notify hooks (notify_master = /etc/tandem/master.sh)
// without ever blocking the loop that asked: each command is started with
// posix_spawn("/bin/sh", "-c", command) with the given environment added,
// stdin from /dev/null, stdout/stderr the daemon's, every other descriptor
// closed, signal mask empty and dispositions default, in a process group
// of its own; reaped through a pidfd watched on the loop (never waited for).
// A hook still running after `timeout` is killed (SIGKILL, its whole
// process group: what it started in the background too) and logged; at
// most `max_running` run at once, further ones are dropped and logged
// (a flapping link must not fork-bomb the box).
//
// Threading: the owner loop's thread only.

#include <ev.h>

#include <chrono>
#include <list>
#include <string>
#include <utility>
#include <vector>

namespace tandem::vrrp {

struct NotifyOptions {
  std::chrono::milliseconds timeout{30000};  // 0: no limit
  size_t max_running = 8;
};

class NotifyRunner {
 public:
  NotifyRunner(struct ev_loop* loop, NotifyOptions options = {});
  ~NotifyRunner();  // kills and reaps what still runs
  NotifyRunner(const NotifyRunner&) = delete;
  NotifyRunner& operator=(const NotifyRunner&) = delete;

  // Starts `command` with `env` (NAME, value) added to the daemon's own
  // environment (a NAME given here replaces the daemon's). Returns false
  // (and logs) if it could not be started or max_running already run.
  // The destructor must run before the loop is destroyed.
  bool run(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env);

  size_t running() const;
  // How the hooks ended, for status and tests.
  uint64_t succeeded() const;  // exit status 0
  uint64_t failed() const;     // non-zero exit, killed, or could not start
  // Of failed(): not started because max_running were running.
  uint64_t dropped() const;
  // Of failed(): killed at the timeout.
  uint64_t timed_out() const;

 private:
  struct Child;  // pid, pidfd, watcher, deadline; see notify_runner.cc
  void finish(Child* child, bool ok);  // counts, unlinks and deletes a reaped child
  struct ev_loop* loop_;
  NotifyOptions options_;
  std::list<Child*> children_;
  uint64_t succeeded_ = 0;
  uint64_t failed_ = 0;
  uint64_t dropped_ = 0;
  uint64_t timed_out_ = 0;
};

}  // namespace tandem::vrrp
