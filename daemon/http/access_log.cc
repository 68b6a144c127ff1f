#include "daemon/http/access_log.h"

#include <fcntl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/log.h"

namespace tandem::http_proxy {

using namespace std::string_view_literals;

namespace {

constexpr size_t kInitialQueueBytes = 64 * 1024;

base::RateLimitedLog g_write_errors(3, std::chrono::seconds(60));

template <typename Int>
void append_int(std::string* out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 bytes hold any 64-bit integer
  out->append(buf, end);
}

void append_hex_escape(std::string* out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
  out->append(esc, sizeof esc);
}

// Copies `s`, writing '"', '\\', control bytes, bytes >= 0x7F (and, outside
// quotes, a space) as \xHH.
void append_escaped(std::string* out, std::string_view s, bool quoted) {
  size_t run = 0;  // start of the current run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool plain = c > 0x20 ? (c < 0x7F && c != '"' && c != '\\') : (c == ' ' && quoted);
    if (plain) continue;
    out->append(s.data() + run, i - run);
    append_hex_escape(out, c);
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
}

// An unquoted field: "-" when empty.
void append_field(std::string* out, std::string_view s) {
  if (s.empty()) out->push_back('-');
  else append_escaped(out, s, false);
}

// Milliseconds to 0.1 ms, without a trailing ".0"; "-" when negative.
void append_millis(std::string* out, double ms) {
  if (!(ms >= 0)) {  // also NaN
    out->push_back('-');
    return;
  }
  const auto tenths = static_cast<uint64_t>(std::llround(std::min(ms, 1e15) * 10));
  append_int(out, tenths / 10);
  if (tenths % 10 != 0) {
    out->push_back('.');
    out->push_back(static_cast<char>('0' + tenths % 10));
  }
}

// "2026-11-27T10:15:02.123Z". The date and time of day are cached per thread
// for the current second: gmtime_r is not free and requests come in bursts.
void append_time(std::string* out, base::WallTime t) {
  thread_local time_t cached_sec = -1;
  thread_local char cached[24];
  thread_local size_t cached_len = 0;
  const auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto sec = static_cast<time_t>(ms_total / 1000);
  auto ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {  // before 1970: floor, not truncate
    ms += 1000;
    --sec;
  }
  if (sec != cached_sec) {
    struct tm tm;
    gmtime_r(&sec, &tm);
    cached_len = strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = sec;
  }
  out->append(cached, cached_len);
  const char frac[6] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                        static_cast<char>('0' + ms % 10), 'Z', ' '};
  out->append(frac, sizeof frac);
}

size_t count_lines(std::string_view s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

void format_access_line(const AccessRecord& r, std::string* out) {
  append_time(out, r.time);
  append_field(out, r.client);
  out->push_back(' ');
  append_field(out, r.frontend);
  out->push_back(' ');
  append_field(out, r.pool);
  out->push_back(' ');
  append_field(out, r.server);
  out->append(" \""sv);
  if (r.method.empty()) {
    out->push_back('-');
  } else {
    append_escaped(out, r.method, true);
    out->push_back(' ');
    append_escaped(out, r.target.substr(0, kMaxLoggedTarget), true);
    out->append(" HTTP/1."sv);
    append_int(out, r.http_minor);
  }
  out->append("\" "sv);
  if (r.status > 0) append_int(out, r.status);
  else out->push_back('-');
  out->push_back(' ');
  append_int(out, r.bytes_in);
  out->push_back(' ');
  append_int(out, r.bytes_out);
  out->append(" q="sv);
  append_millis(out, r.queue_ms);
  out->append(" c="sv);
  append_millis(out, r.connect_ms);
  out->append(" r="sv);
  append_millis(out, r.response_ms);
  out->append(" t="sv);
  append_millis(out, r.total_ms);
  out->append(" id="sv);
  append_field(out, r.request_id);
  out->push_back('\n');
}

base::Result<std::unique_ptr<AccessLog>> AccessLog::open(std::string target, AccessLogOptions options) {
  base::UniqueFd fd;
  if (target == kSyslog) {
    openlog("tandem", LOG_PID | LOG_NDELAY, LOG_LOCAL0);
  } else {
    if (target.empty() || target[0] != '/')
      return base::make_error("access_log " + target + ": not an absolute path (nor \"syslog\")");
    fd.reset(::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640));
    if (!fd) return base::make_error("access_log " + target + ": " + strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(target), options, std::move(fd)));
}

AccessLog::AccessLog(std::string target, AccessLogOptions options, base::UniqueFd fd)
    : target_(std::move(target)), options_(options), fd_(std::move(fd)) {
  queue_.reserve(std::min(kInitialQueueBytes, options_.max_bytes));
  batch_.reserve(std::min(kInitialQueueBytes, options_.max_bytes));
}

AccessLog::~AccessLog() { flush(); }

bool AccessLog::log(const AccessRecord& record) {
  // Formatting happens outside the lock, in a buffer each thread keeps.
  thread_local std::string line;
  line.clear();
  format_access_line(record, &line);
  return enqueue(line);
}

bool AccessLog::enqueue(std::string_view line) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_lines_ < options_.max_lines && queue_.size() + line.size() <= options_.max_bytes) {
      queue_.append(line);
      ++queue_lines_;
      return true;
    }
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

size_t AccessLog::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_lines_;
}

size_t AccessLog::flush() {
  std::lock_guard<std::mutex> io(io_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_lines_ == 0) return 0;
    queue_.swap(batch_);  // batch_ is empty: the queue keeps its capacity
    queue_lines_ = 0;
  }
  const size_t lines = is_syslog() ? write_syslog(batch_) : write_file(batch_);
  batch_.clear();
  written_.fetch_add(lines, std::memory_order_relaxed);
  return lines;
}

size_t AccessLog::write_file(std::string_view batch) {
  size_t done = 0;
  // Bounded: each pass either writes something or ends.
  while (done < batch.size()) {
    const ssize_t n = ::write(fd_.get(), batch.data() + done, batch.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : ENOSPC;  // a write of 0 bytes: the file cannot grow
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    // A line cut by a short write was stored in part: it counts as lost.
    const size_t kept = count_lines(batch.substr(0, done));
    const size_t lost = count_lines(batch) - kept;
    dropped_.fetch_add(lost, std::memory_order_relaxed);
    g_write_errors.log(base::LogLevel::Error, "access_log %s: write: %s (%zu lines lost)", target_.c_str(),
                       strerror(err), lost);
    return kept;
  }
  return count_lines(batch);
}

size_t AccessLog::write_syslog(std::string_view batch) {
  size_t lines = 0;
  for (size_t start = 0; start < batch.size();) {
    size_t end = batch.find('\n', start);
    if (end == std::string_view::npos) end = batch.size();
    syslog(LOG_LOCAL0 | LOG_INFO, "%.*s", static_cast<int>(end - start), batch.data() + start);
    ++lines;
    start = end + 1;
  }
  return lines;
}

base::Status AccessLog::reopen() {
  if (is_syslog()) return {};
  flush();  // what was logged before the rotation belongs in the old file
  base::UniqueFd fd(::open(target_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640));
  if (!fd) return base::make_error("access_log " + target_ + ": " + strerror(errno));
  std::lock_guard<std::mutex> io(io_mu_);
  fd_ = std::move(fd);
  return {};
}

}  // namespace tandem::http_proxy
