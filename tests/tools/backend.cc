// backend: the HTTP/1.1 test server behind Tandem in e2e tests, the demo and
// the benchmark.
//
//   backend --listen 127.0.0.1:PORT --name NAME [--port-file F]
//           [--fail-health-file F] [--threads N]
//
// PORT may be 0: the kernel picks one and it is written to --port-file
// (atomically, once listening). Every request gets 200 with body "NAME\n"
// and a header "X-Server: NAME", except (by path, the query ignored):
//   /health     200 "ok\n", or 503 while the --fail-health-file exists
//   /size/N     N bytes of body (streamed from a static buffer; any size)
//   /sleep/MS   the normal answer after MS milliseconds (other
//               connections are not blocked)
//   /stats      JSON counters: connections (accepted), active and max_active
//               (open connections that asked something besides /stats),
//               requests, keepalive_reuses (requests other than /stats
//               served on a connection that had already served one)
//   /echo       200, body = the request head exactly as received (request
//               line, fields and the blank line), header "X-Body-Length: N"
//               with the request body bytes received (after de-chunking)
//   /chunked/N  N bytes of body in chunks of 1000, then the trailer field
//               "X-Chunks: <number of data chunks>" (announced by Trailer)
//   /status/C   status C (200..599), body "NAME\n"; 204 and 304 without
//               body or Content-Length
//   /setcookie/NAME/VALUE  200 with "Set-Cookie: NAME=VALUE; Path=/"
//   /close[/N]  "NAME\n" and N filler bytes without Content-Length, ended by
//               closing the connection ("Connection: close")
//   /upgrade    with "Upgrade: P" and "Connection: upgrade": 101 Switching
//               Protocols (Upgrade: P, Connection: upgrade, and the
//               Sec-WebSocket-Accept of a Sec-WebSocket-Key), then every byte
//               received is echoed back (no WebSocket framing) until the
//               client closes; 426 without
// Keep-alive is honoured (HTTP/1.1 default, "Connection: close" ends it) and
// pipelined requests are answered in order. Request bodies (Content-Length
// or chunked) are read and counted before the answer; "Expect: 100-continue"
// on a request with a body gets "HTTP/1.1 100 Continue" first. A malformed
// request (Content-Length with Transfer-Encoding, a coding other than
// chunked, a bad chunk) gets 400 and the connection is closed. On
// SIGTERM/SIGINT it prints one line
// "backend NAME: connections=N requests=N max_active=N" and exits 0.
//
// One libev loop per thread, each with its own SO_REUSEPORT listener.

#include <arpa/inet.h>
#include <ev.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"

namespace {

using tandem::base::IoWatcher;
using tandem::base::TimerWatcher;
using tandem::base::UniqueFd;

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string name = "backend";
  std::string port_file;
  std::string fail_health_file;
  int threads = 1;
};

struct Counters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<int64_t> active{0};
  std::atomic<int64_t> max_active{0};
  std::atomic<uint64_t> keepalive_reuses{0};
};

Options g_opt;
Counters g_count;
constexpr size_t kReadChunk = 16384;
constexpr size_t kMaxInput = 65536;  // stop reading (backpressure) beyond this
constexpr size_t kFillSize = 65536;
char g_fill[kFillSize];

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Parses a decimal number; false on anything else or overflow past 2^50.
bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// Parses a hexadecimal chunk size; false on anything else or past 2^60.
bool parse_hex(std::string_view s, uint64_t* out) {
  s = trim(s);
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// True if the comma-separated list `value` has `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (ieq(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

const char* reason_phrase(int status) {
  static constexpr std::pair<int, const char*> kReasons[] = {
      {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"}, {204, "No Content"},
      {301, "Moved Permanently"}, {302, "Found"}, {304, "Not Modified"}, {400, "Bad Request"},
      {403, "Forbidden"}, {404, "Not Found"}, {426, "Upgrade Required"}, {500, "Internal Server Error"},
      {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  for (const auto& [code, text] : kReasons)
    if (code == status) return text;
  return "Error";
}

// The request being served. Its strings are copies (the input buffer moves
// on while the body is read); one Request per connection is reused.
struct Request {
  std::string method;
  std::string path;
  std::string head;     // the raw head, kept only for /echo
  std::string upgrade;  // the Upgrade value when Connection names "upgrade"
  std::string ws_key;   // Sec-WebSocket-Key
  bool keep_alive = true;
  bool http10 = false;
  bool chunked = false;
  bool has_length = false;
  bool expect_continue = false;
  uint64_t content_length = 0;
  size_t head_len = 0;  // bytes up to and including the blank line
  bool bad = false;

  void reset() {
    method.clear(), path.clear(), head.clear(), upgrade.clear(), ws_key.clear();
    keep_alive = true, http10 = chunked = has_length = expect_continue = bad = false;
    content_length = 0, head_len = 0;
  }
};

// Applies one field line of a request head.
void parse_field(std::string_view key, std::string_view value, Request* req, bool* conn_upgrade,
                 std::string_view* upgrade) {
  if (ieq(key, "connection")) {
    if (has_token(value, "close")) req->keep_alive = false;
    if (has_token(value, "keep-alive")) req->keep_alive = true;
    if (has_token(value, "upgrade")) *conn_upgrade = true;
  } else if (ieq(key, "content-length")) {
    uint64_t n = 0;
    if (!parse_u64(value, &n) || (req->has_length && n != req->content_length)) req->bad = true;
    req->content_length = n;
    req->has_length = true;
  } else if (ieq(key, "transfer-encoding")) {
    if (req->chunked || !ieq(value, "chunked")) req->bad = true;
    req->chunked = true;
  } else if (ieq(key, "expect")) {
    if (ieq(value, "100-continue")) req->expect_continue = true;
  } else if (ieq(key, "upgrade")) {
    *upgrade = value;
  } else if (ieq(key, "sec-websocket-key")) {
    req->ws_key = value;
  }
}

// Parses the head at the start of `in` into `req`; false if it is not
// complete yet (then `req` is untouched).
bool parse_request(std::string_view in, Request* req) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  req->reset();
  req->head_len = end + 4;
  std::string_view head = in.substr(0, end);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    req->bad = true;
    return true;
  }
  req->method = line.substr(0, sp1);
  req->path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  req->http10 = line.substr(sp2 + 1) == "HTTP/1.0";
  req->keep_alive = !req->http10;
  bool conn_upgrade = false;
  std::string_view upgrade;
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view h = head.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    parse_field(h.substr(0, colon), trim(h.substr(colon + 1)), req, &conn_upgrade, &upgrade);
  }
  if (req->chunked && req->has_length) req->bad = true;
  if (conn_upgrade) req->upgrade = upgrade;
  if (req->path.starts_with("/echo")) req->head = in.substr(0, req->head_len);
  return true;
}

// How a response body is delimited.
enum class Framing { Length, None, Chunked, UntilClose };

class Conn {
 public:
  Conn(struct ev_loop* loop, int fd)
      : fd_(fd),
        io_(loop, &tandem::base::member_callback<Conn, &Conn::on_io>, this),
        sleep_(loop, &tandem::base::member_callback<Conn, &Conn::on_wake>, this) {
    g_count.connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Conn() {
    if (counted_) g_count.active.fetch_sub(1, std::memory_order_relaxed);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Serves what has arrived. May delete this.
  void start() { pump(); }

 private:
  // Where the request body stands.
  enum class Body { None, Length, ChunkSize, ChunkData, ChunkEnd, Trailer };
  enum class Step { Done, More, Bad };

  void on_io(int) { pump(); }

  void on_wake(int) {
    sleeping_ = false;
    respond(200, g_opt.name + "\n", 0, close_after_);
    pump();
  }

  // Does all the work possible now, then sets what to wait for. May delete this.
  void pump() {
    if (!read_input()) return destroy();
    for (;;) {
      if (!flush()) return destroy();
      if (has_output()) break;  // socket full: wait for EV_WRITE
      if (sleeping_) break;
      if (close_after_) return destroy();
      if (tunnel_) {  // after 101: echo whatever comes, until the client closes
        if (in_off_ < in_.size()) {
          out_.append(in_, in_off_);
          in_off_ = in_.size();
          continue;
        }
        if (eof_) return destroy();
        break;
      }
      if (in_body_) {
        Step s = read_body();
        if (s == Step::More) {
          if (eof_) return destroy();
          break;
        }
        in_body_ = false;
        req_.bad = req_.bad || s == Step::Bad;
        handle();
        continue;
      }
      if (!parse_request(std::string_view(in_).substr(in_off_), &req_)) {
        if (in_.size() - in_off_ > 32768) {  // head too large
          respond(431, "request head too large\n", 0, true);
          continue;
        }
        if (eof_) return destroy();
        break;
      }
      in_off_ += req_.head_len;
      start_body();
    }
    compact();
    int events = 0;
    if (has_output()) events |= EV_WRITE;
    if (!eof_ && in_.size() < kMaxInput) events |= EV_READ;
    if (events == 0 && !sleeping_) return destroy();
    io_.set(fd_.get(), events);
  }

  // Reads what is available (up to the input limit). False on a fatal error.
  bool read_input() {
    while (!eof_ && in_.size() < kMaxInput) {
      size_t old = in_.size();
      in_.resize(old + kReadChunk);
      ssize_t n = ::read(fd_.get(), in_.data() + old, kReadChunk);
      in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
      if (n > 0) {
        if (static_cast<size_t>(n) < kReadChunk) break;
        continue;
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return false;
    }
    return true;
  }

  // After a head: sets up reading its body (a bad head has none), and
  // answers "100 Continue" if the client waits for it.
  void start_body() {
    in_body_ = true;
    body_len_ = 0;
    body_left_ = req_.content_length;
    body_ = req_.bad ? Body::None : req_.chunked ? Body::ChunkSize : body_left_ > 0 ? Body::Length : Body::None;
    if (req_.expect_continue && !req_.http10 && body_ != Body::None) out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  }

  // Consumes what has arrived of the request body: Done once it is whole.
  Step read_body() {
    for (;;) {
      std::string_view rest = std::string_view(in_).substr(in_off_);
      switch (body_) {
        case Body::None:
          return Step::Done;
        case Body::Length:
        case Body::ChunkData: {
          size_t n = std::min<uint64_t>(body_left_, rest.size());
          in_off_ += n;
          body_left_ -= n;
          body_len_ += n;
          if (body_left_ > 0) return Step::More;
          body_ = body_ == Body::Length ? Body::None : Body::ChunkEnd;
          break;
        }
        case Body::ChunkEnd:
          if (rest.size() < 2) return Step::More;
          if (!rest.starts_with("\r\n")) return Step::Bad;
          in_off_ += 2;
          body_ = Body::ChunkSize;
          break;
        case Body::ChunkSize:
        case Body::Trailer: {
          size_t eol = rest.find("\r\n");
          if (eol == std::string_view::npos) return rest.size() > 4096 ? Step::Bad : Step::More;
          std::string_view line = rest.substr(0, eol);
          in_off_ += eol + 2;
          if (body_ == Body::Trailer) {
            if (line.empty()) body_ = Body::None;
            else if (line.find(':') == std::string_view::npos) return Step::Bad;
            break;
          }
          if (!parse_hex(line.substr(0, line.find(';')), &body_left_)) return Step::Bad;
          body_ = body_left_ == 0 ? Body::Trailer : Body::ChunkData;
          break;
        }
      }
    }
  }

  // A connection counts as active from its first request other than /stats,
  // so that asking for the stats does not change them.
  void count_active() {
    if (counted_) return;
    counted_ = true;
    int64_t now = g_count.active.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t seen = g_count.max_active.load(std::memory_order_relaxed);
    while (now > seen && !g_count.max_active.compare_exchange_weak(seen, now)) {
    }
  }

  // Answers req_, whose body has been read.
  void handle() {
    std::string_view path = std::string_view(req_.path).substr(0, req_.path.find('?'));
    if (path != "/stats") count_active();
    g_count.requests.fetch_add(1, std::memory_order_relaxed);
    if (served_++ > 0 && path != "/stats") g_count.keepalive_reuses.fetch_add(1, std::memory_order_relaxed);
    if (req_.bad) return respond(400, "bad request\n", 0, true);
    bool close = !req_.keep_alive;
    head_only_ = req_.method == "HEAD";
    uint64_t n = 0;
    if (path == "/health") {
      struct stat st;
      bool failing = !g_opt.fail_health_file.empty() && ::stat(g_opt.fail_health_file.c_str(), &st) == 0;
      return failing ? respond(503, "failing\n", 0, close) : respond(200, "ok\n", 0, close);
    }
    if (path.starts_with("/size/") && parse_u64(path.substr(6), &n)) return respond(200, "", n, close);
    if (path.starts_with("/sleep/") && parse_u64(path.substr(7), &n)) {
      sleeping_ = true;
      close_after_ = close;
      sleep_.start(static_cast<double>(n) / 1000.0);
      return;
    }
    if (path == "/stats") return respond(200, stats_json(), 0, close);
    if (path == "/echo") {
      char extra[64];
      snprintf(extra, sizeof extra, "X-Body-Length: %llu\r\n", static_cast<unsigned long long>(body_len_));
      return respond(200, req_.head, 0, close, extra);
    }
    if (path.starts_with("/chunked/") && parse_u64(path.substr(9), &n))
      return respond(200, "", n, close, "Trailer: X-Chunks\r\n", Framing::Chunked);
    if (path.starts_with("/status/") && parse_u64(path.substr(8), &n) && n >= 200 && n <= 599) {
      Framing f = n == 204 || n == 304 ? Framing::None : Framing::Length;
      return respond(static_cast<int>(n), g_opt.name + "\n", 0, close, "", f);
    }
    if (path.starts_with("/setcookie/")) return set_cookie(path.substr(11), close);
    if (path == "/close" || (path.starts_with("/close/") && parse_u64(path.substr(7), &n)))
      return respond(200, g_opt.name + "\n", n, true, "", Framing::UntilClose);
    if (path == "/upgrade") return upgrade(close);
    respond(200, g_opt.name + "\n", 0, close);
  }

  // /setcookie/NAME/VALUE
  void set_cookie(std::string_view rest, bool close) {
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return respond(400, "want /setcookie/NAME/VALUE\n", 0, true);
    std::string extra = "Set-Cookie: ";
    extra.append(rest.substr(0, slash)).append("=").append(rest.substr(slash + 1)).append("; Path=/\r\n");
    respond(200, g_opt.name + "\n", 0, close, extra);
  }

  // /upgrade: 101 and an echo tunnel, or 426 without Upgrade + Connection: upgrade.
  void upgrade(bool close) {
    if (req_.upgrade.empty()) return respond(426, "upgrade expected\n", 0, close);
    out_.append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: ").append(req_.upgrade);
    out_.append("\r\nConnection: upgrade\r\nX-Server: ").append(g_opt.name).append("\r\n");
    if (!req_.ws_key.empty()) out_.append("Sec-WebSocket-Accept: ").append(websocket_accept(req_.ws_key)).append("\r\n");
    out_.append("\r\n");
    tunnel_ = true;
  }

  // RFC 6455 4.2.2: base64(SHA-1(key + the protocol's GUID)).
  static std::string websocket_accept(const std::string& key) {
    std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
  }

  std::string stats_json() const {
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"name\":\"%s\",\"connections\":%llu,\"active\":%lld,\"max_active\":%lld,\"requests\":%llu,"
             "\"keepalive_reuses\":%llu}\n",
             g_opt.name.c_str(), static_cast<unsigned long long>(g_count.connections.load()),
             static_cast<long long>(g_count.active.load()), static_cast<long long>(g_count.max_active.load()),
             static_cast<unsigned long long>(g_count.requests.load()),
             static_cast<unsigned long long>(g_count.keepalive_reuses.load()));
    return buf;
  }

  // Queues a response: `body`, then `fill` filler bytes (Chunked: `fill`
  // bytes in chunks, `body` unused). `extra` is whole field lines.
  void respond(int status, std::string_view body, uint64_t fill, bool close, std::string_view extra = {},
               Framing framing = Framing::Length) {
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nX-Server: ", status,
                     reason_phrase(status));
    out_.append(head, static_cast<size_t>(n));
    out_.append(g_opt.name).append("\r\n");
    if (framing == Framing::Length) {
      n = snprintf(head, sizeof head, "Content-Length: %llu\r\n", static_cast<unsigned long long>(body.size() + fill));
      out_.append(head, static_cast<size_t>(n));
    } else if (framing == Framing::Chunked) {
      out_.append("Transfer-Encoding: chunked\r\n");
    }
    out_.append(extra);
    if (close) out_.append("Connection: close\r\n");
    out_.append("\r\n");
    if (!head_only_ && framing == Framing::Chunked) {
      chunk_left_ = fill;
      chunks_sent_ = 0;
      chunking_ = true;
    } else if (!head_only_ && framing != Framing::None) {
      out_.append(body);
      fill_left_ = fill;
    }
    head_only_ = false;
    if (close) close_after_ = true;
  }

  bool has_output() const { return out_off_ < out_.size() || fill_left_ > 0 || chunking_; }

  // Queues the next chunk of a chunked response, or its end and trailer.
  void next_chunk() {
    char line[64];
    if (chunk_left_ == 0) {
      int n = snprintf(line, sizeof line, "0\r\nX-Chunks: %llu\r\n\r\n", static_cast<unsigned long long>(chunks_sent_));
      out_.append(line, static_cast<size_t>(n));
      chunking_ = false;
      return;
    }
    size_t len = std::min<uint64_t>(chunk_left_, 1000);
    int n = snprintf(line, sizeof line, "%zx\r\n", len);
    out_.append(line, static_cast<size_t>(n)).append(g_fill, len).append("\r\n");
    chunk_left_ -= len;
    ++chunks_sent_;
  }

  // Writes queued output until done or EAGAIN. False on a fatal error.
  bool flush() {
    while (has_output()) {
      if (out_off_ == out_.size() && fill_left_ == 0) next_chunk();  // only chunking_ is left
      const char* p;
      size_t len;
      if (out_off_ < out_.size()) {
        p = out_.data() + out_off_;
        len = out_.size() - out_off_;
      } else {
        p = g_fill;
        len = std::min<uint64_t>(fill_left_, kFillSize);
      }
      ssize_t n = ::send(fd_.get(), p, len, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == EAGAIN;
      }
      if (out_off_ < out_.size()) {
        out_off_ += static_cast<size_t>(n);
        if (out_off_ == out_.size()) out_.clear(), out_off_ = 0;
      } else {
        fill_left_ -= static_cast<uint64_t>(n);
      }
    }
    return true;
  }

  void compact() {
    if (in_off_ == 0) return;
    in_.erase(0, in_off_);
    in_off_ = 0;
  }

  void destroy() { delete this; }

  UniqueFd fd_;
  IoWatcher io_;
  TimerWatcher sleep_;
  std::string in_;
  size_t in_off_ = 0;
  Request req_;
  bool in_body_ = false;  // req_'s head is read, its body is not yet whole
  Body body_ = Body::None;
  uint64_t body_left_ = 0;  // of the Content-Length body or the current chunk
  uint64_t body_len_ = 0;   // body bytes of req_ so far
  uint64_t served_ = 0;     // requests answered on this connection
  std::string out_;
  size_t out_off_ = 0;
  uint64_t fill_left_ = 0;
  bool chunking_ = false;   // a chunked response body is still being produced
  uint64_t chunk_left_ = 0;
  uint64_t chunks_sent_ = 0;
  bool eof_ = false;
  bool sleeping_ = false;
  bool close_after_ = false;
  bool head_only_ = false;
  bool counted_ = false;
  bool tunnel_ = false;  // after 101: echo bytes back
};

class Listener {
 public:
  Listener(struct ev_loop* loop, int fd)
      : loop_(loop), fd_(fd), io_(loop, &tandem::base::member_callback<Listener, &Listener::on_accept>, this) {
    io_.set(fd_.get(), EV_READ);
  }

 private:
  void on_accept(int) {
    for (int i = 0; i < 256; ++i) {
      int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or EMFILE & co: try again on the next event
      }
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      (new Conn(loop_, c))->start();  // owns itself from here
    }
  }

  struct ev_loop* loop_;
  UniqueFd fd_;
  IoWatcher io_;
};

// A bindable address; unlike base::SocketAddress it accepts port 0.
struct BindAddress {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

// Parses "HOST:PORT" (PORT may be 0). False with a message on error.
bool parse_bind(const std::string& text, BindAddress* out, std::string* err) {
  bool zero = text.size() > 2 && text.ends_with(":0");
  auto addr = tandem::base::SocketAddress::parse(zero ? text.substr(0, text.size() - 1) + "1" : text);
  if (!addr) {
    *err = addr.error().message;
    return false;
  }
  std::memcpy(&out->ss, addr->get(), addr->size());
  out->len = addr->size();
  if (zero) {
    if (addr->is_ipv4())
      reinterpret_cast<sockaddr_in*>(&out->ss)->sin_port = 0;
    else
      reinterpret_cast<sockaddr_in6*>(&out->ss)->sin6_port = 0;
  }
  return true;
}

int open_listener(const BindAddress& addr) {
  int fd = ::socket(addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr.ss), addr.len) != 0 || ::listen(fd, 4096) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

void write_port_file(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return;
  std::fprintf(f, "%u\n", port);
  std::fclose(f);
  std::rename(tmp.c_str(), path.c_str());
}

void on_signal(struct ev_loop* loop, ev_signal*, int) { ev_break(loop, EVBREAK_ALL); }

int usage() {
  std::fprintf(stderr,
               "usage: backend --listen HOST:PORT --name NAME [--port-file F] [--fail-health-file F] "
               "[--threads N]\n");
  return 2;
}

bool parse_args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--listen") g_opt.listen = v;
    else if (a == "--name") g_opt.name = v;
    else if (a == "--port-file") g_opt.port_file = v;
    else if (a == "--fail-health-file") g_opt.fail_health_file = v;
    else if (a == "--threads") g_opt.threads = std::max(1, std::atoi(v.c_str()));
    else return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse_args(argc, argv)) return usage();
  std::memset(g_fill, 'x', sizeof g_fill);
  ::signal(SIGPIPE, SIG_IGN);
  BindAddress addr;
  std::string err;
  if (!parse_bind(g_opt.listen, &addr, &err)) {
    std::fprintf(stderr, "backend: --listen: %s\n", err.c_str());
    return 2;
  }
  // The first listener fixes the port (it may have been 0); the others join it.
  int first = open_listener(addr);
  if (first < 0) {
    std::fprintf(stderr, "backend: cannot listen on %s: %s\n", g_opt.listen.c_str(), std::strerror(errno));
    return 1;
  }
  BindAddress bound;
  bound.len = sizeof bound.ss;
  ::getsockname(first, reinterpret_cast<sockaddr*>(&bound.ss), &bound.len);
  uint16_t port = ntohs(bound.ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound.ss)->sin_port
                                                      : reinterpret_cast<sockaddr_in6*>(&bound.ss)->sin6_port);

  struct ev_loop* main_loop = ev_default_loop(EVFLAG_AUTO);
  Listener main_listener(main_loop, first);
  for (int t = 1; t < g_opt.threads; ++t) {
    int fd = open_listener(bound);
    if (fd < 0) {
      std::fprintf(stderr, "backend: cannot add listener: %s\n", std::strerror(errno));
      return 1;
    }
    std::thread([fd] {
      struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
      Listener l(loop, fd);
      ev_run(loop, 0);
    }).detach();
  }
  ev_signal sigterm, sigint;
  ev_signal_init(&sigterm, on_signal, SIGTERM);
  ev_signal_init(&sigint, on_signal, SIGINT);
  ev_signal_start(main_loop, &sigterm);
  ev_signal_start(main_loop, &sigint);
  if (!g_opt.port_file.empty()) write_port_file(g_opt.port_file, port);
  ev_run(main_loop, 0);
  std::printf("backend %s: connections=%llu requests=%llu max_active=%lld\n", g_opt.name.c_str(),
              static_cast<unsigned long long>(g_count.connections.load()),
              static_cast<unsigned long long>(g_count.requests.load()),
              static_cast<long long>(g_count.max_active.load()));
  std::fflush(stdout);
  std::_Exit(0);  // worker threads and open connections die with the process
}
