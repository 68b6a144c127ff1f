// holdconn: a client that keeps connections open — the long-lived client of
// the drain, shutdown and max_connections tests, and the idle connections of
// the benchmark's memory-per-connection row.
//
//   holdconn --connect HOST:PORT [--connections N] [--requests K]
//            [--interval T] [--path P] [--hold T] [--ready-file F]
//            [--timeout T] [--bind IP] [--output F]
//
// Opens N keep-alive connections (default 1) and sends one request on each
// (round 1); then writes the --ready-file (a JSON object: connections, ok,
// servers); then every --interval (default 200ms) does another round, K
// rounds in all (default 1); then holds the connections open, idle, for
// --hold (default 0) or until SIGTERM/SIGINT, and closes them. A signal also
// ends the rounds early. Times take ms/s units ("500ms", "2s").
//
// A connection that fails (refused, reset, closed, timeout — each request is
// bounded by --timeout, default 5s) is not used again. At the end a JSON
// summary goes to stdout (or --output):
//   {"connections":N,"opened":N,"requests":N,"ok":N,"failed":N,
//    "servers":{"be1":N},"connection_servers":["be1",...],
//    "errors":[{"t_ms":..,"conn":i,"error":".."}],"duration_ms":..}
// connection_servers[i] is the one server connection i saw ("mixed" if it
// saw more than one, "" if none). Exit status 0 if nothing failed, 1 if
// something did, 2 on usage errors.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/socket_address.h"
#include "base/unique_fd.h"

namespace {

using tandem::base::UniqueFd;

struct Options {
  std::string connect;
  int connections = 1;
  int requests = 1;
  double interval_s = 0.2;
  std::string path = "/";
  double hold_s = 0;
  std::string ready_file;
  double timeout_s = 5;
  std::string bind_ip;
  std::string output;
};

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

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
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

struct Conn {
  UniqueFd fd;
  bool dead = false;
  std::string server;  // "" until the first answer; "mixed" if it changed
};

class Holder {
 public:
  explicit Holder(const Options& opt, const tandem::base::SocketAddress& target)
      : opt_(opt), target_(target), start_(now_s()) {
    sigemptyset(&sigs_);
    sigaddset(&sigs_, SIGTERM);
    sigaddset(&sigs_, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs_, nullptr);
    request_ = "GET " + opt.path + " HTTP/1.1\r\nHost: " + opt.connect + "\r\nUser-Agent: tandem-holdconn\r\n\r\n";
  }

  int run() {
    conns_.resize(static_cast<size_t>(opt_.connections));
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (open(i)) ++opened_;
      if (!conns_[i].dead) request(i);
    }
    write_ready();
    for (int round = 2; round <= opt_.requests && !signalled_; ++round) {
      if (wait_signal(opt_.interval_s)) break;
      for (size_t i = 0; i < conns_.size(); ++i)
        if (!conns_[i].dead) request(i);
    }
    if (!signalled_ && opt_.hold_s > 0) wait_signal(opt_.hold_s);
    for (auto& c : conns_) servers_per_conn_.push_back(c.server);
    conns_.clear();  // closes
    std::string out = summary();
    if (opt_.output.empty()) {
      std::fputs(out.c_str(), stdout);
    } else if (FILE* f = std::fopen(opt_.output.c_str(), "w")) {
      std::fputs(out.c_str(), f);
      std::fclose(f);
    }
    return failed_ == 0 ? 0 : 1;
  }

 private:
  // Connects connection i (blocking, bounded by the timeout). False on failure.
  bool open(size_t i) {
    Conn& c = conns_[i];
    c.fd.reset(::socket(target_.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!c.fd) return error(i, std::string("socket: ") + std::strerror(errno));
    timeval tv{static_cast<time_t>(opt_.timeout_s),
               static_cast<suseconds_t>((opt_.timeout_s - static_cast<double>(static_cast<long>(opt_.timeout_s))) * 1e6)};
    ::setsockopt(c.fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(c.fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!opt_.bind_ip.empty()) {
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      ::inet_pton(AF_INET, opt_.bind_ip.c_str(), &sin.sin_addr);
      if (::bind(c.fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0)
        return error(i, std::string("bind: ") + std::strerror(errno));
    }
    if (::connect(c.fd.get(), target_.get(), target_.size()) != 0)
      return error(i, std::string("connect: ") + std::strerror(errno));
    return true;
  }

  // One request/response on connection i. False (and the connection dead) on failure.
  bool request(size_t i) {
    Conn& c = conns_[i];
    ++requests_;
    if (::send(c.fd.get(), request_.data(), request_.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request_.size()))
      return error(i, std::string("send: ") + std::strerror(errno));
    std::string in;
    size_t head_len = 0;
    long long length = -1;
    char buf[16384];
    for (;;) {
      if (head_len == 0) {
        size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
          head_len = end + 4;
          if (!in.starts_with("HTTP/1.1 2") && !in.starts_with("HTTP/1.0 2"))
            return error(i, "bad status: " + in.substr(0, in.find("\r\n")));
          length = content_length(std::string_view(in).substr(0, head_len));
          if (length < 0) return error(i, "response without Content-Length");
        }
      }
      if (head_len > 0 && static_cast<long long>(in.size() - head_len) >= length) break;
      ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
      if (n == 0) return error(i, in.empty() ? "closed before any response byte" : "closed mid-response");
      if (n < 0) {
        if (errno == EINTR) continue;
        return error(i, errno == EAGAIN ? std::string("timeout") : std::string("recv: ") + std::strerror(errno));
      }
      if (head_len == 0 || in.size() < head_len + 256) in.append(buf, static_cast<size_t>(n));
      else length -= n;  // a long body: count it, do not keep it
    }
    // The server's name: the body when short (the test backend's answer),
    // else its X-Server header.
    std::string body = length <= 64 ? in.substr(head_len, static_cast<size_t>(length)) : header(in, "x-server:");
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    if (c.server.empty()) c.server = body;
    else if (c.server != body) c.server = "mixed";
    servers_[body]++;
    ++ok_;
    return true;
  }

  // The value of header `key` (lower case, with the colon) in `head`; "" if absent.
  static std::string header(std::string_view head, std::string_view key) {
    size_t pos = 0;
    head = head.substr(0, head.find("\r\n\r\n") + 2);
    while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
      pos += 2;
      std::string_view line = head.substr(pos, head.find("\r\n", pos) - pos);
      if (line.size() > key.size() && strncasecmp(line.data(), key.data(), key.size()) == 0) {
        line.remove_prefix(key.size());
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        return std::string(line);
      }
    }
    return "";
  }

  static long long content_length(std::string_view head) {
    std::string v = header(head, "content-length:");
    return v.empty() ? -1 : std::atoll(v.c_str());
  }

  bool error(size_t i, const std::string& what) {
    conns_[i].dead = true;
    conns_[i].fd.reset();
    ++failed_;
    if (errors_.size() < 20) {
      char buf[64];
      snprintf(buf, sizeof buf, "{\"t_ms\":%.1f,\"conn\":%zu,\"error\":\"", (now_s() - start_) * 1000, i);
      errors_.push_back(buf + json_escape(what) + "\"}");
    }
    return false;
  }

  // Waits `seconds` or until SIGTERM/SIGINT; true if a signal came.
  bool wait_signal(double seconds) {
    double until = now_s() + seconds;
    for (;;) {
      double left = until - now_s();
      if (left <= 0) return false;
      timespec ts{static_cast<time_t>(left), static_cast<long>((left - static_cast<long>(left)) * 1e9)};
      int s = sigtimedwait(&sigs_, nullptr, &ts);
      if (s > 0) return signalled_ = true;
      if (errno == EAGAIN) return false;
    }
  }

  std::string servers_json() const {
    std::string out = "{";
    for (auto& [name, n] : servers_)
      out += (out.size() > 1 ? ",\"" : "\"") + json_escape(name) + "\":" + std::to_string(n);
    return out + "}";
  }

  void write_ready() {
    if (opt_.ready_file.empty()) return;
    std::string tmp = opt_.ready_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return;
    std::fprintf(f, "{\"connections\":%d,\"ok\":%ld,\"failed\":%ld,\"servers\":%s}\n", opt_.connections, ok_,
                 failed_, servers_json().c_str());
    std::fclose(f);
    std::rename(tmp.c_str(), opt_.ready_file.c_str());
  }

  std::string summary() const {
    // Per-connection detail only while it stays readable.
    if (servers_per_conn_.size() > 64) return summary_head() + "\"connection_servers\":[]" + summary_tail();
    std::string cs = "[";
    for (size_t i = 0; i < servers_per_conn_.size(); ++i)
      cs += (i ? ",\"" : "\"") + json_escape(servers_per_conn_[i]) + "\"";
    cs += "]";
    return summary_head() + "\"connection_servers\":" + cs + summary_tail();
  }

  std::string summary_head() const {
    char buf[256];
    snprintf(buf, sizeof buf, "{\"connections\":%d,\"opened\":%ld,\"requests\":%ld,\"ok\":%ld,\"failed\":%ld,",
             opt_.connections, opened_, requests_, ok_, failed_);
    return std::string(buf) + "\"servers\":" + servers_json() + ",";
  }

  std::string summary_tail() const {
    std::string errs = "[";
    for (size_t i = 0; i < errors_.size(); ++i) errs += (i ? "," : "") + errors_[i];
    errs += "]";
    char end[64];
    snprintf(end, sizeof end, ",\"duration_ms\":%.1f}\n", (now_s() - start_) * 1000);
    return ",\"errors\":" + errs + end;
  }

  Options opt_;
  tandem::base::SocketAddress target_;
  double start_;
  sigset_t sigs_;
  bool signalled_ = false;
  std::string request_;
  std::vector<Conn> conns_;
  std::vector<std::string> servers_per_conn_;
  std::map<std::string, long> servers_;
  std::vector<std::string> errors_;
  long opened_ = 0;
  long requests_ = 0;
  long ok_ = 0;
  long failed_ = 0;
};

int usage() {
  std::fprintf(stderr,
               "usage: holdconn --connect HOST:PORT [--connections N] [--requests K] [--interval T] [--path P]\n"
               "                [--hold T] [--ready-file F] [--timeout T] [--bind IP] [--output F]\n");
  return 2;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--connect") o->connect = v;
    else if (a == "--connections") o->connections = std::atoi(v.c_str());
    else if (a == "--requests") o->requests = std::atoi(v.c_str());
    else if (a == "--interval") o->interval_s = parse_seconds(v);
    else if (a == "--path") o->path = v;
    else if (a == "--hold") o->hold_s = parse_seconds(v);
    else if (a == "--ready-file") o->ready_file = v;
    else if (a == "--timeout") o->timeout_s = parse_seconds(v);
    else if (a == "--bind") o->bind_ip = v;
    else if (a == "--output") o->output = v;
    else return false;
  }
  return !o->connect.empty() && o->connections > 0 && o->requests >= 1 && o->interval_s >= 0 && o->hold_s >= 0 &&
         o->timeout_s > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, &opt)) return usage();
  auto target = tandem::base::SocketAddress::parse(opt.connect);
  if (!target) {
    std::fprintf(stderr, "holdconn: --connect: %s\n", target.error().message.c_str());
    return 2;
  }
  Holder h(opt, *target);
  return h.run();
}
