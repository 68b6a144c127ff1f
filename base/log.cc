#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

namespace tandem::base {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<int> g_journal{-1};  // -1: follow JOURNAL_STREAM

bool journal_style() {
  int j = g_journal.load(std::memory_order_relaxed);
  if (j < 0) {
    j = getenv("JOURNAL_STREAM") != nullptr ? 1 : 0;
    g_journal.store(j, std::memory_order_relaxed);
  }
  return j == 1;
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return 7;
    case LogLevel::Info: return 6;
    case LogLevel::Notice: return 5;
    case LogLevel::Warning: return 4;
    case LogLevel::Error: return 3;
  }
  return 6;
}

void vlog(LogLevel level, const char* format, va_list ap) {
  char line[2048];
  size_t n = 0;
  if (journal_style()) {
    n = static_cast<size_t>(snprintf(line, sizeof line, "<%d>", syslog_priority(level)));
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += static_cast<size_t>(snprintf(line + n, sizeof line - n, ".%03ldZ %s: ",
                                      ts.tv_nsec / 1000000, to_string(level)));
  }
  int m = vsnprintf(line + n, sizeof line - n, format, ap);
  if (m < 0) m = 0;
  n += static_cast<size_t>(m);
  if (n > sizeof line - 2) n = sizeof line - 2;  // truncated: keep the newline
  line[n++] = '\n';
  ssize_t w = ::write(STDERR_FILENO, line, n);
  (void)w;  // nowhere to report a failed log write
}

}  // namespace

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Notice: return "notice";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "?";
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

void set_log_journal_style(bool on) { g_journal.store(on ? 1 : 0, std::memory_order_relaxed); }

void log(LogLevel level, const char* format, ...) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  va_list ap;
  va_start(ap, format);
  vlog(level, format, ap);
  va_end(ap);
}

void RateLimitedLog::log(LogLevel level, const char* format, ...) {
  uint64_t report_suppressed = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= interval_) {
      report_suppressed = suppressed_in_window_;
      window_start_ = now;
      in_window_ = 0;
      suppressed_in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_in_window_;
      suppressed_total_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ++in_window_;
  }
  if (report_suppressed > 0)
    ::tandem::base::log(level, "(%llu similar messages suppressed)",
                        static_cast<unsigned long long>(report_suppressed));
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  va_list ap;
  va_start(ap, format);
  vlog(level, format, ap);
  va_end(ap);
}

}  // namespace tandem::base
