#include "daemon/status/status_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "base/unique_fd.h"

namespace tandem::status {

const char* to_string(ClientFailure failure) {
  switch (failure) {
    case ClientFailure::None: return "none";
    case ClientFailure::NoSocket: return "no socket";
    case ClientFailure::Refused: return "refused";
    case ClientFailure::PermissionDenied: return "permission denied";
    case ClientFailure::Timeout: return "timeout";
    case ClientFailure::Closed: return "closed";
    case ClientFailure::Other: return "other";
  }
  return "other";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "ERR 404" or "ERR 404 message".
bool is_err_line(std::string_view s) {
  return s.size() >= 7 && s.substr(0, 4) == "ERR " && s[4] >= '1' && is_digit(s[4]) && is_digit(s[5]) &&
         is_digit(s[6]) && (s.size() == 7 || s[7] == ' ');
}

}  // namespace

std::optional<size_t> parse_response(std::string_view buffer, ParsedResponse& out) {
  // Body lines are never empty, so the first empty line ends the response.
  const size_t end = buffer.find("\n\n");
  if (end == std::string_view::npos) return std::nullopt;
  out = ParsedResponse{};
  std::string_view text = buffer.substr(0, end + 1);
  const size_t nl = text.find('\n');
  const std::string_view status = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  if (status == "OK") {
    out.code = 200;
  } else if (is_err_line(status)) {
    out.code = (status[4] - '0') * 100 + (status[5] - '0') * 10 + (status[6] - '0');
    out.message = std::string(status.size() > 8 ? status.substr(8) : std::string_view());
  } else {
    out.code = 0;
    out.message = std::string(status);
  }
  while (!text.empty()) {
    const size_t e = text.find('\n');
    out.body.emplace_back(text.substr(0, e));
    text.remove_prefix(e + 1);
  }
  return end + 2;
}

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60 * 60 * 1000));
}

ClientResult fail(ClientFailure f, std::string error) {
  ClientResult r;
  r.failure = f;
  r.error = std::move(error);
  return r;
}

// Waits until `fd` is ready for `events`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the next call report the error
  }
}

ClientResult connect_failure(const std::string& path, int err) {
  const std::string where = "cannot reach tandemd at " + path + ": ";
  switch (err) {
    case ENOENT:
    case ENOTDIR: return fail(ClientFailure::NoSocket, where + "no such socket (is tandemd running?)");
    case ECONNREFUSED:
      return fail(ClientFailure::Refused, where + "connection refused (tandemd is not running; stale socket)");
    case EACCES:
    case EPERM:
      return fail(ClientFailure::PermissionDenied,
                  "permission denied on " + path + " (root or the socket's group may use it)");
    case EAGAIN: return fail(ClientFailure::Timeout, where + "tandemd is not accepting connections (busy)");
    default: return fail(ClientFailure::Other, where + strerror(err));
  }
}

}  // namespace

ClientResult request(const std::string& path, std::string_view line, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail(ClientFailure::NoSocket, "cannot reach tandemd at " + path + ": bad socket path");
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(ClientFailure::Other, std::string("socket: ") + strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return connect_failure(path, errno);
  }
  char secs[32];
  snprintf(secs, sizeof secs, "%g", static_cast<double>(timeout.count()) / 1000.0);
  const std::string timed_out = "cannot reach tandemd at " + path + ": timed out after " + secs + " s";

  std::string out(line);
  out += '\n';
  size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) return fail(ClientFailure::Timeout, timed_out);
    } else {
      return fail(ClientFailure::Closed, "tandemd at " + path + " closed the connection: " + strerror(errno));
    }
  }

  std::string in;
  ClientResult result;
  char buf[65536];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      // Only a new "\n\n" can complete the response: look near the new bytes.
      const size_t scan_from = in.empty() ? 0 : in.size() - 1;
      in.append(buf, static_cast<size_t>(n));
      if (in.find("\n\n", scan_from) != std::string::npos && parse_response(in, result.response)) return result;
    } else if (n == 0) {
      return fail(ClientFailure::Closed, "tandemd at " + path + " closed the connection before answering");
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      if (!wait_for(fd.get(), POLLIN, deadline)) return fail(ClientFailure::Timeout, timed_out);
    } else {
      return fail(ClientFailure::Closed, "tandemd at " + path + ": " + strerror(errno));
    }
  }
}

}  // namespace tandem::status
