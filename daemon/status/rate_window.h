#pragma once
// Rates of ever-growing counters (requests, connections) over a sliding
// window, from samples taken periodically, e.g. by a 1 s timer:
//
//   RateWindow w(std::chrono::seconds(10));
//   every second:   w.begin_tick(); w.sample("fe/web", now, requests); w.end_tick();
//   on a query:     w.rate("fe/web", now, requests)   // requests/s over the last ~10 s
//
// The rate compares the live count at query time with the oldest sample
// that is at most `window` old, so with 1 s samples it covers the last 9 to
// 10 s. It stays exact when ticks are late or missed: they only shorten
// the span it averages over (nullopt once no sample is in the window).
//
// Keys are whatever names the caller chooses; a key not sampled in a tick
// is forgotten at the end of it (a frontend removed by a reload). A count
// lower than the key's last sample means the counter was replaced (new
// state after a reload): the key's history restarts from that sample.
//
// A plain value with no clock of its own (time is passed in); one thread
// at a time.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "base/clock.h"

namespace tandem::status {

class RateWindow {
 public:
  // `window`: how far back rates look. `min_span`: the shortest span a
  // rate is computed over (shorter ones are noise: 1 request in 10 ms is not
  // "100 requests/s"). Precondition: 0 < min_span <= window.
  explicit RateWindow(base::Nanos window = std::chrono::seconds(10),
                      base::Nanos min_span = std::chrono::seconds(1));

  // Starts a round of samples; keys not sampled before end_tick() are
  // forgotten by end_tick().
  void begin_tick();
  // Records that counter `key` was `count` at `now` (samples closer than
  // window/64 to the key's previous one are skipped). Samples must come in
  // time order per key; a time or count going back restarts the key.
  void sample(const std::string& key, base::MonoTime now, uint64_t count);
  void end_tick();

  // The counter's growth per second between its oldest sample no older
  // than the window and (`now`, `count`), the live value. nullopt when
  // there is no such sample at least min_span before `now` (the key is
  // new, or the daemon just started) or `count` went backwards.
  std::optional<double> rate(const std::string& key, base::MonoTime now, uint64_t count) const;

  // Keys with history (for tests and sizing).
  size_t keys() const { return series_.size(); }

 private:
  struct Sample {
    base::MonoTime at;
    uint64_t count;
  };
  struct Series {
    std::deque<Sample> samples;  // oldest first
    bool seen = false;           // sampled since begin_tick()
  };
  // Bounds the samples of one key whatever the sampling period.
  static constexpr size_t kMaxSamples = 64;

  base::Nanos window_;
  base::Nanos min_span_;
  std::map<std::string, Series, std::less<>> series_;
};

}  // namespace tandem::status
