#pragma once
// The status socket's file: a listening Unix stream socket at a path, with
// the care a daemon's control socket needs (internal to the status module;
// StatusServer uses it).
//
// open():
//  - creates missing parent directories (mode 0755);
//  - if the path exists: refuses when it is not a socket, refuses when a
//    live process answers on it (another tandemd), else removes the stale
//    socket file a killed predecessor left;
//  - binds, then sets the file's group (by name; empty = leave it) and mode
//    (0660: the group may read status, only root may change things, which
//    the command registry checks per peer) before listen(), so nobody can
//    connect while the permissions are still the umask's.
// The destructor removes the socket file only if it is still the one this
// listener created (a newer daemon may have replaced it).
//
// Threading: any one thread at a time; blocking but brief (file system
// calls, one connect() to probe a stale socket).

#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace tandem::status {

class UnixListener {
 public:
  static constexpr mode_t kSocketMode = 0660;

  // Opens the listening socket (non-blocking, close-on-exec). Errors name
  // the path and the reason, e.g. "status socket /run/tandem/tandem.sock:
  // another process is answering on it (is tandemd already running?)".
  static base::Result<UnixListener> open(const std::string& path, const std::string& group);

  UnixListener(UnixListener&& other) noexcept;
  UnixListener& operator=(UnixListener&& other) noexcept;
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;
  ~UnixListener();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  UnixListener() = default;
  void remove_file();

  base::UniqueFd fd_;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace tandem::status
