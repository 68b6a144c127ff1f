#pragma once
// Logging to stderr, one write(2) per line so lines from different threads
// never interleave. Under systemd (JOURNAL_STREAM set) lines carry the
// "<N>" syslog priority prefix the journal understands and no timestamp;
// otherwise they start with an ISO-8601 UTC timestamp and the level name.
//
// Thread-safe: any thread may log.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace tandem::base {

enum class LogLevel { Debug = 0, Info = 1, Notice = 2, Warning = 3, Error = 4 };

const char* to_string(LogLevel level);

// Lines below `level` are discarded. Default: Info.
void set_log_level(LogLevel level);
LogLevel log_level();

// Turns journal-style output on or off; by default it follows JOURNAL_STREAM.
void set_log_journal_style(bool on);

void log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// A limiter for logs about bad input (STYLE habit 9): at most `burst` lines
// per `interval`; the next line after a quiet period says how many were
// suppressed. The caller counts the events themselves separately.
// Thread-safe.
class RateLimitedLog {
 public:
  RateLimitedLog(unsigned burst, std::chrono::milliseconds interval)
      : burst_(burst), interval_(interval) {}

  void log(LogLevel level, const char* format, ...) __attribute__((format(printf, 3, 4)));

  uint64_t suppressed_total() const { return suppressed_total_.load(std::memory_order_relaxed); }

 private:
  const unsigned burst_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_{};
  unsigned in_window_ = 0;
  uint64_t suppressed_in_window_ = 0;
  std::atomic<uint64_t> suppressed_total_{0};
};

}  // namespace tandem::base

#define TLOG_DEBUG(...)                                                         \
  do {                                                                          \
    if (::tandem::base::log_level() <= ::tandem::base::LogLevel::Debug)         \
      ::tandem::base::log(::tandem::base::LogLevel::Debug, __VA_ARGS__);        \
  } while (0)
#define TLOG_INFO(...) ::tandem::base::log(::tandem::base::LogLevel::Info, __VA_ARGS__)
#define TLOG_NOTICE(...) ::tandem::base::log(::tandem::base::LogLevel::Notice, __VA_ARGS__)
#define TLOG_WARN(...) ::tandem::base::log(::tandem::base::LogLevel::Warning, __VA_ARGS__)
#define TLOG_ERROR(...) ::tandem::base::log(::tandem::base::LogLevel::Error, __VA_ARGS__)
