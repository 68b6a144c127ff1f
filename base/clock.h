#pragma once
// Time as an interface, so state machines and tables can be driven by a fake
// clock in unit tests (STYLE habit 13). Monotonic time orders events and
// measures intervals; wall time is only for showing to people and for
// last-writer-wins stamps exchanged between nodes.

#include <atomic>
#include <chrono>

namespace tandem::base {

using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Nanos = std::chrono::nanoseconds;
using Millis = std::chrono::milliseconds;

// A duration in seconds, as libev timers take them.
template <typename Rep, typename Period>
constexpr double to_seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}

// Thread-safe: implementations may be read from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;
  virtual WallTime wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonoTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }

  // A process-wide instance for production wiring.
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

// Starts at an arbitrary fixed point; moves only when told to.
class FakeClock final : public Clock {
 public:
  MonoTime now() const override { return MonoTime(Nanos(mono_ns_.load())); }
  WallTime wall_now() const override { return WallTime(std::chrono::duration_cast<WallTime::duration>(Nanos(wall_ns_.load()))); }

  void advance(Nanos d) {
    mono_ns_ += d.count();
    wall_ns_ += d.count();
  }

 private:
  std::atomic<long long> mono_ns_{1'000'000'000'000LL};          // 1000 s after "boot"
  std::atomic<long long> wall_ns_{1'790'000'000'000'000'000LL};  // late 2026
};

}  // namespace tandem::base
