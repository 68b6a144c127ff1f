#include "conf/file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/unique_fd.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

using base::make_error;

std::string errno_text() { return std::strerror(errno); }

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

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

base::Result<std::string> read_secret_file(std::string_view path, size_t max_bytes) {
  const std::string p(path);
  if (path.empty() || path.front() != '/') return make_error("must be an absolute path, got " + quote(path));
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat on the
  // opened file, so the checks are of the file that is read.
  base::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return make_error(p + ": cannot read: " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error(p + ": cannot read: " + errno_text());
  if (!S_ISREG(st.st_mode)) return make_error(p + ": not a regular file");
  if ((st.st_mode & 077) != 0)
    return make_error(p + ": mode " + octal_mode(st.st_mode) +
                      " gives group or others access to the key; run: chmod 600 " + p);
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes)
    return make_error(p + ": " + std::to_string(st.st_size) + " bytes, too large for a key file (at most " +
                      std::to_string(max_bytes) + ")");
  std::string text(max_bytes + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      explicit_bzero(text.data(), text.size());
      return make_error(p + ": cannot read: " + errno_text());
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes) {  // it grew since fstat
    explicit_bzero(text.data(), text.size());
    return make_error(p + ": too large for a key file (at most " + std::to_string(max_bytes) + " bytes)");
  }
  text.resize(got);  // shrinking keeps the buffer; the caller wipes it
  return text;
}

}  // namespace tandem::conf
