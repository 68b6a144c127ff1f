#include "conf/file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/unique_fd.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

using base::make_error;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

base::Status check_readable_file(std::string_view path, std::string_view what) {
  if (path.front() != '/') return make_error(std::string(what) + " must be an absolute path, got " + quote(path));
  const std::string p(path);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return make_error("cannot read " + std::string(what) + " " + quote(path) + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return make_error(std::string(what) + " " + quote(path) + " is not a regular file");
  base::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return make_error("cannot read " + std::string(what) + " " + quote(path) + ": " + errno_text());
  return {};
}

base::Status check_log_path(std::string_view path) {
  if (path.front() != '/') return make_error("must be an absolute path, 'syslog' or 'none', got " + quote(path));
  if (path.back() == '/') return make_error(quote(path) + " names a directory; give the log file's name");
  std::string dir(path.substr(0, path.rfind('/')));
  if (dir.empty()) dir = "/";
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return make_error("cannot use directory " + quote(dir) + ": " + errno_text() + " (create it, or log to syslog)");
  if (!S_ISDIR(st.st_mode)) return make_error(quote(dir) + " is not a directory");
  if (::stat(std::string(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return make_error(quote(path) + " is a directory; give the log file's name");
  return {};
}

}  // namespace tandem::conf
