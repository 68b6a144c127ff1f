#include "vrrp/notify_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/ev_watch.h"
#include "base/log.h"
#include "base/unique_fd.h"

extern char** environ;

namespace tandem::vrrp {

// One running hook. Owned by NotifyRunner (children_), deleted when reaped.
// The pidfd is declared before the watchers so they stop before it closes.
struct NotifyRunner::Child {
  Child(NotifyRunner* runner, pid_t pid, base::UniqueFd pidfd, std::string command)
      : runner(runner),
        pid(pid),
        pidfd(std::move(pidfd)),
        command(std::move(command)),
        exit_watch(runner->loop_, &base::member_callback<Child, &Child::on_exit>, this),
        deadline(runner->loop_, &base::member_callback<Child, &Child::on_timeout>, this) {}

  void on_exit(int revents);
  void on_timeout(int revents);
  // SIGKILL to the hook's process group (what it forked dies with it),
  // and to the shell itself should the group be gone.
  void kill_all() const {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }

  NotifyRunner* runner;
  pid_t pid;
  base::UniqueFd pidfd;
  std::string command;
  base::IoWatcher exit_watch;
  base::TimerWatcher deadline;
  std::list<Child*>::iterator self;
  bool timed_out = false;
};

namespace {

// posix_spawn's two C objects, destroyed on every path.
struct SpawnActions {
  SpawnActions() { posix_spawn_file_actions_init(&a); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&a); }
  posix_spawn_file_actions_t a;
};
struct SpawnAttr {
  SpawnAttr() { posix_spawnattr_init(&a); }
  ~SpawnAttr() { posix_spawnattr_destroy(&a); }
  posix_spawnattr_t a;
};

// environ with `env` added; a name given in `env` replaces the daemon's.
std::vector<std::string> build_environment(const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [n, v] : env) overridden = overridden || n == name;
    if (!overridden) out.emplace_back(entry);
  }
  for (const auto& [n, v] : env) out.push_back(n + "=" + v);
  return out;
}

// Starts /bin/sh -c command: stdin from /dev/null, stdout and stderr the
// daemon's, every other descriptor closed (hooks inherit no daemon socket
// even if one lacked O_CLOEXEC), signal mask empty and dispositions
// default (the VRRP thread may block or ignore some), in a process group
// of its own so a timeout kills what the hook started too.
// Returns the pid, or -errno.
pid_t spawn(const std::string& command, const std::vector<std::string>& environment) {
  SpawnActions actions;
  SpawnAttr attr;
  if (int e = posix_spawn_file_actions_addopen(&actions.a, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) return -e;
  if (int e = posix_spawn_file_actions_addclosefrom_np(&actions.a, STDERR_FILENO + 1)) return -e;
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr.a, &empty);
  posix_spawnattr_setsigdefault(&attr.a, &all);
  posix_spawnattr_setpgroup(&attr.a, 0);
  posix_spawnattr_setflags(&attr.a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char sh[] = "/bin/sh";
  char dash_c[] = "-c";
  char* argv[] = {sh, dash_c, const_cast<char*>(command.c_str()), nullptr};
  pid_t pid = -1;
  if (int e = posix_spawn(&pid, sh, &actions.a, &attr.a, argv, envp.data())) return -e;
  return pid;
}

// Blocks until `pid` is reaped; only after SIGKILL, so only briefly.
void reap_blocking(pid_t pid) {
  for (int i = 0; i < 100 && ::waitpid(pid, nullptr, 0) < 0 && errno == EINTR; ++i) {
  }
}

}  // namespace

NotifyRunner::NotifyRunner(struct ev_loop* loop, NotifyOptions options) : loop_(loop), options_(options) {}

NotifyRunner::~NotifyRunner() {
  for (Child* c : children_) {
    c->kill_all();
    reap_blocking(c->pid);
    TLOG_WARN("notify: '%s' (pid %d) killed at shutdown", c->command.c_str(), static_cast<int>(c->pid));
    delete c;
  }
}

bool NotifyRunner::run(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env) {
  if (children_.size() >= options_.max_running) {
    ++failed_;
    ++dropped_;
    TLOG_WARN("notify: %zu hooks already running (the limit), not running '%s'", children_.size(), command.c_str());
    return false;
  }
  pid_t pid = spawn(command, build_environment(env));
  if (pid < 0) {
    ++failed_;
    TLOG_ERROR("notify: cannot start '%s': posix_spawn: %s", command.c_str(), std::strerror(-pid));
    return false;
  }
  // The child stays a zombie until we reap it, so its pid cannot be
  // reused before pidfd_open.
  base::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // always O_CLOEXEC
  if (!pidfd) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    reap_blocking(pid);
    ++failed_;
    TLOG_ERROR("notify: cannot watch '%s' (pid %d): pidfd_open: %s; killed it", command.c_str(),
               static_cast<int>(pid), std::strerror(err));
    return false;
  }
  auto* child = new Child(this, pid, std::move(pidfd), command);
  child->self = children_.insert(children_.end(), child);
  child->exit_watch.set(child->pidfd.get(), EV_READ);
  if (options_.timeout.count() > 0) child->deadline.start(static_cast<double>(options_.timeout.count()) / 1000.0);
  TLOG_DEBUG("notify: started '%s' (pid %d)", command.c_str(), static_cast<int>(pid));
  return true;
}

void NotifyRunner::Child::on_exit(int) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return;  // not yet: the pidfd stays readable until it is
  if (r < 0 && errno == EINTR) return;
  if (r < 0) {
    // Someone else reaped it (SIGCHLD set to SIG_IGN, or waitpid(-1)).
    TLOG_WARN("notify: '%s' (pid %d) ended unseen: waitpid: %s", command.c_str(), static_cast<int>(pid),
              std::strerror(errno));
    runner->finish(this, false);
    return;
  }
  if (timed_out) {
    TLOG_WARN("notify: '%s' (pid %d) killed after the %lld ms timeout", command.c_str(), static_cast<int>(pid),
              static_cast<long long>(runner->options_.timeout.count()));
    runner->finish(this, false);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    TLOG_DEBUG("notify: '%s' (pid %d) done", command.c_str(), static_cast<int>(pid));
    runner->finish(this, true);
  } else if (WIFEXITED(status)) {
    TLOG_WARN("notify: '%s' (pid %d) exited with status %d", command.c_str(), static_cast<int>(pid),
              WEXITSTATUS(status));
    runner->finish(this, false);
  } else {
    TLOG_WARN("notify: '%s' (pid %d) killed by signal %d (%s)", command.c_str(), static_cast<int>(pid),
              WTERMSIG(status), strsignal(WTERMSIG(status)));
    runner->finish(this, false);
  }
}

void NotifyRunner::Child::on_timeout(int) {
  timed_out = true;
  kill_all();  // reaped when the pidfd becomes readable, never waited for here
}

void NotifyRunner::finish(Child* child, bool ok) {
  if (ok)
    ++succeeded_;
  else
    ++failed_;
  if (child->timed_out) ++timed_out_;
  children_.erase(child->self);
  delete child;  // from inside its own watcher's callback: libev allows it
}

size_t NotifyRunner::running() const { return children_.size(); }
uint64_t NotifyRunner::succeeded() const { return succeeded_; }
uint64_t NotifyRunner::failed() const { return failed_; }
uint64_t NotifyRunner::dropped() const { return dropped_; }
uint64_t NotifyRunner::timed_out() const { return timed_out_; }

}  // namespace tandem::vrrp
