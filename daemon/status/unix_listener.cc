#include "daemon/status/unix_listener.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <vector>

namespace tandem::status {

namespace {

std::string errno_text(int err) { return strerror(err); }

base::Error fail(const std::string& path, const std::string& why) {
  return base::make_error("status socket " + path + ": " + why);
}

base::Status make_parents(const std::string& path) {
  // Every prefix ending before a '/', shortest first: mkdir -p.
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) continue;
    return fail(path, "cannot create directory " + dir + ": " + errno_text(errno));
  }
  return {};
}

base::Result<sockaddr_un> make_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) return fail(path, "empty path");
  if (path.size() >= sizeof addr.sun_path) {
    return fail(path, "path longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Is something accepting connections on the socket file at `addr`?
bool someone_answers(const sockaddr_un& addr) {
  base::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe) return false;
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  // EAGAIN: a listener whose backlog is full is still alive.
  return errno == EAGAIN || errno == EINPROGRESS;
}

base::Status clear_stale(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return fail(path, errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode)) return fail(path, "exists and is not a socket; not touching it");
  if (someone_answers(addr)) return fail(path, "another process is answering on it (is tandemd already running?)");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail(path, "cannot remove the stale socket: " + errno_text(errno));
  }
  return {};
}

base::Result<gid_t> lookup_group(const std::string& path, const std::string& group) {
  std::vector<char> buf(16384);
  struct group gr;
  struct group* found = nullptr;
  const int rc = ::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
  if (rc != 0) return fail(path, "cannot look up group '" + group + "': " + errno_text(rc));
  if (!found) return fail(path, "no such group '" + group + "'");
  return found->gr_gid;
}

}  // namespace

base::Result<UnixListener> UnixListener::open(const std::string& path, const std::string& group) {
  auto addr = make_address(path);
  if (!addr) return addr.error();
  if (auto s = make_parents(path); !s) return s.error();
  if (auto s = clear_stale(path, *addr); !s) return s.error();
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    auto g = lookup_group(path, group);
    if (!g) return g.error();
    gid = *g;
  }

  UnixListener l;
  l.path_ = path;
  l.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!l.fd_) return fail(path, "socket: " + errno_text(errno));
  if (::bind(l.fd_.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    return fail(path, "bind: " + errno_text(errno));
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    l.dev_ = st.st_dev;
    l.ino_ = st.st_ino;
  }
  // From here on the destructor removes the file if we fail.
  if (gid != static_cast<gid_t>(-1) && ::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    return fail(path, "cannot give it to group '" + group + "': " + errno_text(errno));
  }
  if (::chmod(path.c_str(), kSocketMode) != 0) return fail(path, "chmod: " + errno_text(errno));
  if (::listen(l.fd_.get(), 16) != 0) return fail(path, "listen: " + errno_text(errno));
  return l;
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)), dev_(other.dev_), ino_(other.ino_) {
  other.path_.clear();
}

UnixListener& UnixListener::operator=(UnixListener&& other) noexcept {
  if (this != &other) {
    remove_file();
    fd_ = std::move(other.fd_);
    path_ = std::move(other.path_);
    dev_ = other.dev_;
    ino_ = other.ino_;
    other.path_.clear();
  }
  return *this;
}

UnixListener::~UnixListener() { remove_file(); }

void UnixListener::remove_file() {
  if (path_.empty() || ino_ == 0) return;
  struct stat st;
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace tandem::status
