#pragma once
// AccessLog: one line per HTTP request of a frontend with `access_log` set
// (docs/http.md "Access log"), written to a file or to syslog.
//
// Workers format a record into a line on their own thread and append it to a
// bounded in-memory queue under a short lock (a memcpy); they never do I/O.
// When the queue is full the line is dropped and counted. The main thread
// calls flush() periodically (every ~100 ms), which writes the whole batch
// with one write(2) to the file (O_APPEND, so lines from several writers
// never interleave), or one syslog(3) call per line (facility LOG_LOCAL0,
// priority LOG_INFO, ident "tandem"). reopen() reopens the file after log
// rotation (SIGHUP, reload).
//
// The line (format_access_line):
//   2026-11-27T10:15:02.123Z 10.0.0.5:51234 web app be1 "GET /cart HTTP/1.1" 200 512 1834 q=0 c=0.4 r=2.1 t=2.6 id=5f2c…
// time (UTC, ms), client, frontend, pool, server, "request line", status,
// bytes from the client, bytes to the client, timings in ms (queue, connect,
// response head, total; one decimal, ".0" dropped), request id. An absent
// value is "-". The target is cut to kMaxLoggedTarget bytes. In the request
// line, '"', '\\', control bytes and bytes >= 0x7F are written as \xHH (as
// nginx does), so a line is always one line and its quotes always pair; the
// unquoted fields escape a space too.
//
// Lifetime: create with open(); destroy on the main thread (the destructor
// flushes what is still queued).
// Threading: log() and the counters from any thread; flush() and reopen() from
// one thread at a time (the main thread).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace tandem::http_proxy {

// What one log line says. Views need only live for the log() call.
struct AccessRecord {
  base::WallTime time{};        // when the request began (its head's first byte)
  std::string_view client;      // "10.0.0.5:51234" / "[2001:db8::5]:51234"
  std::string_view frontend;
  std::string_view pool;        // empty: "-" (refused before routing)
  std::string_view server;      // empty: "-" (no server was chosen)
  std::string_view method;      // empty: the request line is "-" (no valid head)
  std::string_view target;      // cut to kMaxLoggedTarget bytes
  int http_minor = 1;           // HTTP/1.<minor>
  int status = 0;               // <= 0: "-" (no response was sent)
  uint64_t bytes_in = 0;        // bytes received from the client for this request
  uint64_t bytes_out = 0;       // bytes sent to the client for this request
  double queue_ms = -1;         // waiting for a server; < 0: "-"
  double connect_ms = -1;       // connecting to it; < 0: "-"
  double response_ms = -1;      // from the request until the response head; < 0: "-"
  double total_ms = -1;         // the whole exchange; < 0: "-"
  std::string_view request_id;  // empty: "-"
};

constexpr size_t kMaxLoggedTarget = 1024;

// Appends the record's line, with its '\n', to `*out`. Pure; any thread.
void format_access_line(const AccessRecord& record, std::string* out);

struct AccessLogOptions {
  size_t max_lines = 8192;       // queued lines before new ones are dropped
  size_t max_bytes = 4u << 20;   // queued bytes before new lines are dropped
};

class AccessLog {
 public:
  static constexpr std::string_view kSyslog = "syslog";

  // `target` is an absolute file path (opened O_WRONLY|O_CREAT|O_APPEND|
  // O_CLOEXEC, mode 0640) or "syslog". Error: a relative path, or the file
  // cannot be opened (the message names the path and the reason).
  static base::Result<std::unique_ptr<AccessLog>> open(std::string target, AccessLogOptions options = {});

  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Formats the record and queues its line. Returns false if the queue is
  // full (the line is dropped and counted). Any thread; never does I/O;
  // allocates only while the calling thread's line buffer or the queue grows.
  bool log(const AccessRecord& record);

  // Writes every queued line; returns how many were written. Lines a failed
  // write could not store are counted in dropped() (and the failure in
  // write_errors(), logged at a limited rate). One thread at a time.
  size_t flush();

  // Flushes, then reopens the file by its path (after a rotation renamed it).
  // On error the old file stays in use. Does nothing for syslog.
  base::Status reopen();

  const std::string& target() const { return target_; }
  bool is_syslog() const { return target_ == kSyslog; }

  // Counters; any thread.
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }
  size_t queued() const;

 private:
  AccessLog(std::string target, AccessLogOptions options, base::UniqueFd fd);
  bool enqueue(std::string_view line);
  size_t write_file(std::string_view batch);
  size_t write_syslog(std::string_view batch);

  const std::string target_;
  const AccessLogOptions options_;

  mutable std::mutex mu_;  // guards the queue: held for one memcpy
  std::string queue_;
  size_t queue_lines_ = 0;

  std::mutex io_mu_;  // serializes flush() and reopen()
  base::UniqueFd fd_;
  std::string batch_;  // the queue's other half, swapped in by flush()

  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace tandem::http_proxy
