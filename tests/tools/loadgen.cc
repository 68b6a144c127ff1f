// loadgen: the HTTP client of the e2e tests and the demo.
//
//   loadgen --connect HOST:PORT [--concurrency C] [--count N] [--duration T]
//           [--rate R] [--keepalive] [--path P] [--timeout T] [--bind IP]
//           [--report-interval T] [--output FILE] [--gap-threshold T]
//
// C slots each run one request at a time. Without --keepalive every request
// is a NEW TCP connection with "Connection: close"; with it a slot reuses its
// connection. It stops starting requests after N requests (0 = no limit) or
// after the duration T (default 10s), whichever comes first, and lets those in
// flight finish (each bounded by --timeout, default 5s). --rate caps the
// total request rate (per second). Times take ms/s units ("500ms", "2s";
// a bare number means seconds).
//
// Responses are tallied by body (trimmed; the test backend answers with its
// name), or by the X-Server header when the body is long. Failures are
// counted by kind: refused, reset, timeout, closed (connection ended before
// a full response), bad_response (unparsable), http_error (status not 2xx),
// other. A request on a kept connection that the server closed before
// answering is sent again once on a new connection, as HTTP clients do
// (RFC 9112 9.3.1), and counted in reuse_retries, not as a failure.
// At the end a JSON summary goes to stdout (or --output):
//   {"requests":N,"ok":N,"failed":N,"reuse_retries":N,"failures":{"refused":N,...},
//    "by_server":{"be1":{"count":N,"first_ms":..,"last_ms":..,
//                        "first_epoch_ms":..,"last_epoch_ms":..}},
//    "latency_ms":{"p50":..,"p90":..,"p99":..,"max":..},
//    "max_gap_ms":..,"max_gap_from_epoch_ms":..,"max_gap_to_epoch_ms":..,
//    "gaps":[{"from_ms":..,"ms":..},...],
//    "start_epoch_ms":..,"duration_ms":..,"failure_samples":[...]}
// (*_ms are relative to the start). max_gap_ms is the longest time without a
// successful response: between two consecutive successful completions, or
// from the start to the first one, or from the last one to the end of the
// run (when it stopped starting requests) — what a client sees during a
// failover. "gaps" lists the (at most 20 first)
// gaps longer than --gap-threshold (default 100ms). With --rate the slots'
// starts are spread evenly over the period (no bursts), so the gap is
// resolved to about 1/rate. --report-interval prints a JSON line per
// interval to stderr. Exit status: 0 if nothing failed, 1 otherwise, 2 usage.

#include <arpa/inet.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"

namespace {

using tandem::base::IoWatcher;
using tandem::base::TimerWatcher;
using tandem::base::UniqueFd;
using tandem::base::member_callback;

struct Options {
  std::string connect;
  int concurrency = 1;
  long count = 0;
  double duration_s = 10;
  double rate = 0;
  bool keepalive = false;
  std::string path = "/";
  double timeout_s = 5;
  std::string bind_ip;
  double report_s = 0;
  std::string output;
  double gap_threshold_s = 0.1;
};

// Parses "250ms", "2s", "1.5" (seconds), "1m". Negative on error.
double parse_seconds(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0) return -1;
  std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m") return v * 60;
  return -1;
}

int64_t epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool ieq_prefix(std::string_view line, std::string_view key) {
  if (line.size() < key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != key[i]) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += '?';
    else out += c;
  }
  return out;
}

// The parsed head of a response.
struct ResponseHead {
  int status = 0;
  long long content_length = -1;  // -1: read until EOF
  bool close = false;
  std::string server;  // X-Server
  size_t head_len = 0;
};

// Parses a complete head (ending in CRLFCRLF); false if malformed.
bool parse_head(std::string_view head, ResponseHead* h) {
  if (!head.starts_with("HTTP/1.")) return false;
  size_t sp = head.find(' ');
  if (sp == std::string_view::npos || head.size() < sp + 4) return false;
  h->status = std::atoi(std::string(head.substr(sp + 1, 3)).c_str());
  if (h->status < 100) return false;
  h->close = head.starts_with("HTTP/1.0");
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    pos = head.find("\r\n", start);
    std::string_view line = head.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = trim(line.substr(colon + 1));
    if (ieq_prefix(line, "content-length:")) h->content_length = std::atoll(std::string(value).c_str());
    else if (ieq_prefix(line, "connection:")) h->close = value == "close" || value == "Close";
    else if (ieq_prefix(line, "x-server:")) h->server = value;
  }
  return true;
}

struct ServerTally {
  long count = 0;
  double first_ms = -1;
  double last_ms = -1;
};

struct FailureSample {
  double t_ms;
  std::string kind;
  std::string detail;
};

// Everything counted during a run. Single-threaded.
class Stats {
 public:
  Stats(double start, double gap_threshold_s)
      : start_(start), start_epoch_(epoch_ms()), gap_threshold_ms_(gap_threshold_s * 1000) {}

  void success(const std::string& server, double now, double latency_s) {
    double t = (now - start_) * 1000;
    note_gap(last_success_ms_, t);
    last_success_ms_ = t;
    auto& s = servers_[server];
    if (s.count == 0) s.first_ms = t;
    s.last_ms = t;
    ++s.count;
    ++ok_;
    interval_servers_[server]++;
    ++interval_ok_;
    latency_us_.push_back(static_cast<uint32_t>(latency_s * 1e6));
  }

  void failure(const std::string& kind, const std::string& detail, double now) {
    failures_[kind]++;
    ++failed_;
    ++interval_failed_;
    if (samples_.size() < 20) samples_.push_back({(now - start_) * 1000, kind, detail});
  }

  void report_interval(double now) {
    std::string line = "{\"t_ms\":" + std::to_string(static_cast<long>((now - start_) * 1000)) +
                       ",\"ok\":" + std::to_string(interval_ok_) + ",\"failed\":" + std::to_string(interval_failed_) +
                       ",\"by_server\":{";
    bool first = true;
    for (auto& [name, n] : interval_servers_) {
      line += (first ? "\"" : ",\"") + json_escape(name) + "\":" + std::to_string(n);
      first = false;
    }
    line += "}}\n";
    std::fputs(line.c_str(), stderr);
    interval_servers_.clear();
    interval_ok_ = interval_failed_ = 0;
  }

  long failed() const { return failed_; }
  void note_reuse_retry() { ++reuse_retries_; }

  // `gap_end`: when the run stopped starting requests (the end of the
  // last gap: requests still in flight then do not stretch it).
  std::string summary(double now, double gap_end) {
    note_gap(last_success_ms_, (gap_end - start_) * 1000);
    std::sort(latency_us_.begin(), latency_us_.end());
    auto pct = [&](double p) -> double {
      if (latency_us_.empty()) return 0;
      size_t i = static_cast<size_t>(p * static_cast<double>(latency_us_.size() - 1) + 0.5);
      return latency_us_[i] / 1000.0;
    };
    char buf[512];
    std::string out = "{\"requests\":" + std::to_string(ok_ + failed_) + ",\"ok\":" + std::to_string(ok_) +
                      ",\"failed\":" + std::to_string(failed_) +
                      ",\"reuse_retries\":" + std::to_string(reuse_retries_) + ",\"failures\":{";
    const char* kinds[] = {"refused", "reset", "timeout", "closed", "bad_response", "http_error", "other"};
    for (size_t i = 0; i < std::size(kinds); ++i)
      out += std::string(i ? "," : "") + "\"" + kinds[i] + "\":" + std::to_string(failures_[kinds[i]]);
    out += "},\"by_server\":{";
    bool first = true;
    for (auto& [name, s] : servers_) {
      snprintf(buf, sizeof buf,
               "\"count\":%ld,\"first_ms\":%.1f,\"last_ms\":%.1f,\"first_epoch_ms\":%lld,\"last_epoch_ms\":%lld",
               s.count, s.first_ms, s.last_ms, static_cast<long long>(start_epoch_ + s.first_ms),
               static_cast<long long>(start_epoch_ + s.last_ms));
      out += (first ? "\"" : ",\"") + json_escape(name) + "\":{" + buf + "}";
      first = false;
    }
    snprintf(buf, sizeof buf,
             "},\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
             "\"max_gap_ms\":%.1f,\"max_gap_from_epoch_ms\":%lld,\"max_gap_to_epoch_ms\":%lld,\"gaps\":[",
             pct(0.5), pct(0.9), pct(0.99), pct(1.0), max_gap_ms_,
             static_cast<long long>(start_epoch_ + max_gap_from_ms_),
             static_cast<long long>(start_epoch_ + max_gap_from_ms_ + max_gap_ms_));
    out += buf;
    for (size_t i = 0; i < gaps_.size(); ++i) {
      snprintf(buf, sizeof buf, "%s{\"from_ms\":%.1f,\"ms\":%.1f}", i ? "," : "", gaps_[i].first, gaps_[i].second);
      out += buf;
    }
    snprintf(buf, sizeof buf, "],\"start_epoch_ms\":%lld,\"duration_ms\":%.1f,\"failure_samples\":[",
             static_cast<long long>(start_epoch_), (now - start_) * 1000);
    out += buf;
    for (size_t i = 0; i < samples_.size(); ++i) {
      snprintf(buf, sizeof buf, "%s{\"t_ms\":%.1f,\"kind\":\"%s\",\"detail\":\"%s\"}", i ? "," : "", samples_[i].t_ms,
               samples_[i].kind.c_str(), json_escape(samples_[i].detail).c_str());
      out += buf;
    }
    out += "]}\n";
    return out;
  }

 private:
  // Records the time without success from `from_ms` to `to_ms`.
  void note_gap(double from_ms, double to_ms) {
    double gap = to_ms - from_ms;
    if (gap > max_gap_ms_) {
      max_gap_ms_ = gap;
      max_gap_from_ms_ = from_ms;
    }
    if (gap > gap_threshold_ms_ && gaps_.size() < 20) gaps_.emplace_back(from_ms, gap);
  }

  double start_;
  int64_t start_epoch_;
  double gap_threshold_ms_;
  double last_success_ms_ = 0;
  double max_gap_ms_ = 0;
  double max_gap_from_ms_ = 0;
  std::vector<std::pair<double, double>> gaps_;
  long ok_ = 0;
  long failed_ = 0;
  long reuse_retries_ = 0;
  std::map<std::string, long> failures_;
  std::map<std::string, ServerTally> servers_;
  std::map<std::string, long> interval_servers_;
  long interval_ok_ = 0;
  long interval_failed_ = 0;
  std::vector<uint32_t> latency_us_;
  std::vector<FailureSample> samples_;
};

class Loadgen;

// One concurrent client: a request at a time, on a fresh or kept connection.
class Slot {
 public:
  Slot(struct ev_loop* loop, Loadgen* owner)
      : loop_(loop),
        owner_(owner),
        io_(loop, &member_callback<Slot, &Slot::on_io>, this),
        timer_(loop, &member_callback<Slot, &Slot::on_timer>, this) {}

  // Starts the next request now (or, with `defer` or pacing, from a timer);
  // idles if the run is over.
  void next(bool defer = false);
  // Starts the first request after `delay_s` seconds.
  void start_after(double delay_s) {
    state_ = State::Waiting;
    timer_.start(delay_s);
  }
  bool idle() const { return state_ == State::Idle; }
  // At the end of the run: a slot waiting for its next start goes idle now
  // (not when its pacing timer would have fired).
  void cancel_wait() {
    if (state_ != State::Waiting) return;
    timer_.stop();
    state_ = State::Idle;
  }

 private:
  enum class State { Idle, Waiting, Connecting, Sending, Reading };

  void begin();
  void on_io(int revents);
  void on_timer(int);
  void on_connected();
  void do_send();
  void do_read();
  void complete(const std::string& server, bool keep);
  void fail(const char* kind, const std::string& detail);
  void close_conn() {
    io_.stop();
    fd_.reset();
  }

  struct ev_loop* loop_;
  Loadgen* owner_;
  IoWatcher io_;
  TimerWatcher timer_;
  UniqueFd fd_;
  State state_ = State::Idle;
  double started_ = 0;
  double last_start_ = -1e9;
  size_t sent_ = 0;
  std::string in_;
  long long extra_ = 0;  // body bytes counted but not kept
  ResponseHead head_;
  bool have_head_ = false;
  bool reused_ = false;  // this request went out on a kept connection
};

class Loadgen {
 public:
  Loadgen(const Options& opt, const tandem::base::SocketAddress& target)
      : opt_(opt),
        target_(target),
        loop_(ev_default_loop(EVFLAG_AUTO)),
        stats_(ev_now(loop_), opt.gap_threshold_s),
        deadline_(loop_, &member_callback<Loadgen, &Loadgen::on_deadline>, this),
        hard_stop_(loop_, &member_callback<Loadgen, &Loadgen::on_hard_stop>, this),
        report_(loop_, &member_callback<Loadgen, &Loadgen::on_report>, this) {
    request_ = "GET " + opt.path + " HTTP/1.1\r\nHost: " + opt.connect + "\r\nUser-Agent: tandem-loadgen\r\n" +
               (opt.keepalive ? "" : "Connection: close\r\n") + "\r\n";
  }

  int run() {
    start_ = ev_now(loop_);
    deadline_.start(opt_.duration_s);
    hard_stop_.start(opt_.duration_s + opt_.timeout_s + 2);
    if (opt_.report_s > 0) report_.start(opt_.report_s, opt_.report_s);
    for (int i = 0; i < opt_.concurrency; ++i) slots_.push_back(std::make_unique<Slot>(loop_, this));
    // With a rate, slot i starts i/rate after slot 0: the starts are spread
    // evenly instead of coming in bursts of `concurrency`.
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (opt_.rate > 0 && i > 0) slots_[i]->start_after(static_cast<double>(i) / opt_.rate);
      else slots_[i]->next();
    }
    check_done();
    if (!done_) ev_run(loop_, 0);
    std::string summary = stats_.summary(ev_now(loop_), stopping_ ? stopped_at_ : ev_now(loop_));
    if (opt_.report_s > 0) stats_.report_interval(ev_now(loop_));
    if (opt_.output.empty()) {
      std::fputs(summary.c_str(), stdout);
    } else {
      FILE* f = std::fopen(opt_.output.c_str(), "w");
      if (f == nullptr) return 1;
      std::fputs(summary.c_str(), f);
      std::fclose(f);
    }
    return stats_.failed() == 0 ? 0 : 1;
  }

  // Whether a slot may start one more request.
  bool can_start() const { return !stopping_ && (opt_.count == 0 || started_ < opt_.count); }
  // Counts a request as started.
  void claim() { ++started_; }

  // Called whenever a slot goes idle.
  void check_done() {
    for (auto& s : slots_)
      if (!s->idle()) return;
    done_ = true;
    ev_break(loop_, EVBREAK_ALL);
  }

  const Options& opt() const { return opt_; }
  const tandem::base::SocketAddress& target() const { return target_; }
  const std::string& request() const { return request_; }
  Stats& stats() { return stats_; }
  double slot_period() const { return opt_.rate > 0 ? opt_.concurrency / opt_.rate : 0; }

 private:
  void on_deadline(int) {
    stopping_ = true;
    stopped_at_ = ev_now(loop_);
    for (auto& s : slots_) s->cancel_wait();
    check_done();
  }
  void on_hard_stop(int) { ev_break(loop_, EVBREAK_ALL); }
  void on_report(int) { stats_.report_interval(ev_now(loop_)); }

  Options opt_;
  tandem::base::SocketAddress target_;
  struct ev_loop* loop_;
  Stats stats_;
  TimerWatcher deadline_;
  TimerWatcher hard_stop_;
  TimerWatcher report_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::string request_;
  double start_ = 0;
  long started_ = 0;
  bool stopping_ = false;
  double stopped_at_ = 0;
  bool done_ = false;
};

void Slot::next(bool defer) {
  if (!owner_->can_start()) {
    close_conn();
    timer_.stop();
    state_ = State::Idle;
    owner_->check_done();
    return;
  }
  double wait = last_start_ + owner_->slot_period() - ev_now(loop_);
  if (wait > 0 || defer) {
    state_ = State::Waiting;
    timer_.start(std::max(wait, 0.0));
    return;
  }
  owner_->claim();
  begin();
}

void Slot::begin() {
  // ev_now() is the loop's cached time; refresh it so latencies are honest.
  ev_now_update(loop_);
  started_ = last_start_ = ev_now(loop_);
  sent_ = 0;
  in_.clear();
  extra_ = 0;
  head_ = ResponseHead{};
  have_head_ = false;
  timer_.start(owner_->opt().timeout_s);
  reused_ = static_cast<bool>(fd_);
  if (fd_) {
    state_ = State::Sending;
    return do_send();
  }
  const auto& target = owner_->target();
  fd_.reset(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) return fail("other", std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!owner_->opt().bind_ip.empty()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    ::inet_pton(AF_INET, owner_->opt().bind_ip.c_str(), &sin.sin_addr);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0)
      return fail("other", std::string("bind: ") + std::strerror(errno));
  }
  state_ = State::Connecting;
  if (::connect(fd_.get(), target.get(), target.size()) == 0) return on_connected();
  if (errno != EINPROGRESS) {
    int e = errno;
    return fail(e == ECONNREFUSED ? "refused" : "other", std::string("connect: ") + std::strerror(e));
  }
  io_.set(fd_.get(), EV_WRITE);
}

void Slot::on_io(int) {
  switch (state_) {
    case State::Connecting: {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0)
        return fail(err == ECONNREFUSED ? "refused" : err == ECONNRESET ? "reset" : "other",
                    std::string("connect: ") + std::strerror(err));
      return on_connected();
    }
    case State::Sending:
      return do_send();
    case State::Reading:
      return do_read();
    default:
      return;
  }
}

void Slot::on_timer(int) {
  if (state_ == State::Waiting) return next();
  fail("timeout", "no complete response in time");
}

void Slot::on_connected() {
  state_ = State::Sending;
  do_send();
}

void Slot::do_send() {
  const std::string& req = owner_->request();
  while (sent_ < req.size()) {
    ssize_t n = ::send(fd_.get(), req.data() + sent_, req.size() - sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return io_.set(fd_.get(), EV_WRITE);
      int e = errno;
      return fail(e == ECONNRESET || e == EPIPE ? "reset" : "other", std::string("send: ") + std::strerror(e));
    }
    sent_ += static_cast<size_t>(n);
  }
  state_ = State::Reading;
  io_.set(fd_.get(), EV_READ);
}

void Slot::do_read() {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      int e = errno;
      return fail(e == ECONNRESET ? "reset" : "other", std::string("recv: ") + std::strerror(e));
    }
    if (n == 0) {
      if (have_head_ && head_.content_length < 0) return complete(head_.server, false);
      return fail("closed", in_.empty() ? "connection closed before any response byte"
                                        : "connection closed in the middle of a response");
    }
    // Keep the head and short bodies; count the bytes of long bodies only.
    if (!have_head_ || in_.size() < 4096) in_.append(buf, static_cast<size_t>(n));
    else extra_ += n;
    if (!have_head_) {
      size_t end = in_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (in_.size() > 65536) return fail("bad_response", "response head too large");
        continue;
      }
      if (!parse_head(std::string_view(in_).substr(0, end + 4), &head_))
        return fail("bad_response", in_.substr(0, std::min<size_t>(in_.find("\r\n"), 80)));
      head_.head_len = end + 4;
      have_head_ = true;
    }
    long long body = static_cast<long long>(in_.size() - head_.head_len) + extra_;
    if (head_.content_length >= 0 && body >= head_.content_length) {
      std::string key = head_.server;
      if (head_.content_length <= 128) {
        key = std::string(trim(std::string_view(in_).substr(head_.head_len)));
      }
      if (head_.status < 200 || head_.status > 299)
        return fail("http_error", "status " + std::to_string(head_.status) + " from " + key);
      return complete(key.empty() ? "?" : key, !head_.close);
    }
  }
}

void Slot::complete(const std::string& server, bool keep) {
  ev_now_update(loop_);
  owner_->stats().success(server, ev_now(loop_), ev_now(loop_) - started_);
  timer_.stop();
  if (!keep || !owner_->opt().keepalive) close_conn();
  else io_.stop();
  next();
}

void Slot::fail(const char* kind, const std::string& detail) {
  // A kept connection the server closed before answering (the keep-alive
  // race every HTTP client meets): like browsers and curl (RFC 9112 9.3.1),
  // send the request again once on a new connection; counted apart.
  if (reused_ && in_.empty() && (std::strcmp(kind, "closed") == 0 || std::strcmp(kind, "reset") == 0)) {
    owner_->stats().note_reuse_retry();
    close_conn();
    timer_.stop();
    return begin();  // a new connection (fd_ is closed); the same request
  }
  ev_now_update(loop_);
  owner_->stats().failure(kind, detail, ev_now(loop_));
  timer_.stop();
  close_conn();
  next(true);  // through the loop: a refused connect must not recurse
}

int usage() {
  std::fprintf(stderr,
               "usage: loadgen --connect HOST:PORT [--concurrency C] [--count N] [--duration T] [--rate R]\n"
               "               [--keepalive] [--path P] [--timeout T] [--bind IP] [--report-interval T]\n"
               "               [--output FILE] [--gap-threshold T]\n");
  return 2;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keepalive") {
      o->keepalive = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--connect") o->connect = v;
    else if (a == "--concurrency") o->concurrency = std::atoi(v.c_str());
    else if (a == "--count") o->count = std::atol(v.c_str());
    else if (a == "--duration") o->duration_s = parse_seconds(v);
    else if (a == "--rate") o->rate = std::atof(v.c_str());
    else if (a == "--path") o->path = v;
    else if (a == "--timeout") o->timeout_s = parse_seconds(v);
    else if (a == "--bind") o->bind_ip = v;
    else if (a == "--report-interval") o->report_s = parse_seconds(v);
    else if (a == "--output") o->output = v;
    else if (a == "--gap-threshold") o->gap_threshold_s = parse_seconds(v);
    else return false;
  }
  return !o->connect.empty() && o->concurrency > 0 && o->count >= 0 && o->duration_s > 0 && o->timeout_s > 0 &&
         o->report_s >= 0 && o->rate >= 0 && o->gap_threshold_s >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, &opt)) return usage();
  auto target = tandem::base::SocketAddress::parse(opt.connect);
  if (!target) {
    std::fprintf(stderr, "loadgen: --connect: %s\n", target.error().message.c_str());
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  Loadgen gen(opt, *target);
  return gen.run();
}
