#include "daemon/status/client_connection.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <algorithm>

#include "daemon/status/utf8.h"

namespace tandem::status {

ClientConnection::ClientConnection(ConnectionContext& ctx, base::UniqueFd fd, const PeerCredentials& peer)
    : ctx_(ctx),
      fd_(std::move(fd)),
      peer_(peer),
      io_(ctx.loop, &base::member_callback<ClientConnection, &ClientConnection::on_io>, this),
      timer_(ctx.loop, &base::member_callback<ClientConnection, &ClientConnection::on_timer>, this),
      self_(std::make_shared<ClientConnection*>(this)) {}

ClientConnection::~ClientConnection() {
  self_.reset();  // a late async reply now finds nobody
  io_.stop();
  timer_.stop();
}

void ClientConnection::start() {
  timer_.again(ctx_.idle_timeout_s);
  settle();
}

size_t ClientConnection::input_limit() const {
  // Room for one maximal line plus its "\r\n", or a few pipelined lines.
  return std::max<size_t>(ctx_.max_line + 2, 64 * 1024);
}

void ClientConnection::on_io(int revents) {
  if ((revents & EV_READ) && !read_some()) dead_ = true;
  if (!dead_ && (revents & EV_WRITE) && !write_some()) dead_ = true;
  if (!dead_) process_lines();
  settle();
}

void ClientConnection::on_timer(int) {
  // The daemon owns a pending command's duration (a failover may wait for
  // the peer); the timer only judges the client.
  if (awaiting_) return;
  ++ctx_.counters.timeouts;
  ctx_.bad_input_log.log(base::LogLevel::Notice,
                         "status socket: closing client (pid %d uid %d): no progress for %.1f s",
                         static_cast<int>(peer_.pid), static_cast<int>(peer_.uid), ctx_.idle_timeout_s);
  if (queued_output() == 0 && !closing_) {
    answer(Response::error(StatusCode::BadRequest, "timed out waiting for a complete line"));
    (void)write_some();  // best effort: it is closed either way
  }
  dead_ = true;
  settle();
}

bool ClientConnection::read_some() {
  char buf[kReadChunk];
  const size_t room = input_limit() > in_.size() ? input_limit() - in_.size() : 0;
  if (room == 0) return true;
  const ssize_t n = ::recv(fd_.get(), buf, std::min(room, sizeof buf), 0);
  if (n > 0) {
    in_.append(buf, static_cast<size_t>(n));
    timer_.again(ctx_.idle_timeout_s);
    return true;
  }
  if (n == 0) {
    read_eof_ = true;
    return true;
  }
  if (errno == EAGAIN || errno == EINTR) return true;
  if (errno != ECONNRESET) {
    ++ctx_.counters.io_errors;
    ctx_.bad_input_log.log(base::LogLevel::Warning, "status socket: read: %s", strerror(errno));
  }
  return false;
}

bool ClientConnection::write_some() {
  bool progress = false;
  while (queued_output() > 0) {
    const ssize_t n = ::send(fd_.get(), out_.data() + out_sent_, queued_output(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
      progress = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0 && errno != EPIPE && errno != ECONNRESET) {
      ++ctx_.counters.io_errors;
      ctx_.bad_input_log.log(base::LogLevel::Warning, "status socket: write: %s", strerror(errno));
    }
    return false;  // the peer left
  }
  if (progress) timer_.again(ctx_.idle_timeout_s);
  if (out_sent_ == out_.size()) {
    out_.clear();
    out_sent_ = 0;
  } else if (out_sent_ >= kOutputHighWater && out_sent_ * 2 >= out_.size()) {
    out_.erase(0, out_sent_);  // keep a long answer's buffer from only growing
    out_sent_ = 0;
  }
  return true;
}

void ClientConnection::process_lines() {
  size_t pos = 0;
  while (!dead_ && !closing_ && !awaiting_ && queued_output() < kOutputHighWater) {
    const size_t nl = in_.find('\n', pos);
    std::string_view line;
    if (nl == std::string::npos) {
      const size_t pending = in_.size() - pos;
      if (pending > ctx_.max_line + 1) {
        line = std::string_view(in_).substr(pos);  // too long: handled below
      } else if (read_eof_ && pending > 0) {
        line = std::string_view(in_).substr(pos);  // a last line without '\n'
        pos = in_.size();
      } else {
        break;
      }
    } else {
      line = std::string_view(in_).substr(pos, nl - pos);
      pos = nl + 1;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > ctx_.max_line) {
      bad_input("line too long", ctx_.counters.lines_too_long);
      answer(Response::error(StatusCode::BadRequest,
                             "line too long (max " + std::to_string(ctx_.max_line) + " bytes)"));
      closing_ = true;
      in_.clear();
      return;
    }
    handle_line(line);
  }
  in_.erase(0, pos);
}

void ClientConnection::handle_line(std::string_view line) {
  const char* bad = nullptr;
  for (char c : line) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u == 0) {
      bad = "NUL byte in the line";
      break;
    }
    if ((u < 0x20 && c != '\t') || u == 0x7F) bad = "control character in the line";
  }
  if (!bad && !is_valid_utf8(line)) bad = "the line is not valid UTF-8";
  if (bad) {
    bad_input(bad, ctx_.counters.bad_bytes);
    answer(Response::error(StatusCode::BadRequest, bad));
    return;
  }
  awaiting_ = true;
  in_dispatch_ = true;
  std::weak_ptr<ClientConnection*> weak = self_;
  ctx_.registry.dispatch(
      line, peer_,
      Responder(
          [weak](Response&& r) {
            if (auto self = weak.lock()) (*self)->on_reply(std::move(r));
          },
          [weak] { return !weak.expired(); }));
  in_dispatch_ = false;
}

void ClientConnection::on_reply(Response&& response) {
  if (!awaiting_) return;
  awaiting_ = false;
  answer(response);
  if (in_dispatch_) return;  // answered before dispatch() returned: the caller goes on
  // A late answer: this is an entry point of its own.
  if (!dead_) process_lines();
  settle();
}

void ClientConnection::answer(const Response& response) {
  ++ctx_.counters.commands;
  if (!response.is_ok()) ++ctx_.counters.errors;
  encode_response(response, out_);
}

void ClientConnection::bad_input(const char* what, uint64_t& counter) {
  ++counter;
  ctx_.bad_input_log.log(base::LogLevel::Warning, "status socket: bad request from pid %d uid %d: %s",
                         static_cast<int>(peer_.pid), static_cast<int>(peer_.uid), what);
}

void ClientConnection::settle() {
  // Write what is queued; that may make room for more requests; repeat
  // while requests get consumed (bounded: the input buffer is finite and
  // nothing is read here).
  while (!dead_) {
    if (queued_output() > 0 && !write_some()) {
      dead_ = true;
      break;
    }
    if (closing_ || awaiting_ || queued_output() >= kOutputHighWater || in_.empty()) break;
    const size_t before = in_.size();
    process_lines();
    if (in_.size() == before && !closing_) break;
  }
  if (!dead_ && read_eof_ && !awaiting_ && !closing_ && in_.empty()) closing_ = true;
  if (closing_ && queued_output() == 0) dead_ = true;
  if (dead_) {
    io_.stop();
    timer_.stop();
    ctx_.release(this);  // destroys *this
    return;
  }
  int events = 0;
  if (!read_eof_ && !closing_ && in_.size() < input_limit()) events |= EV_READ;
  if (queued_output() > 0) events |= EV_WRITE;
  io_.set(fd_.get(), events);
}

}  // namespace tandem::status
