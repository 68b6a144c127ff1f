#include "daemon/status/rate_window.h"

#include <cassert>

namespace tandem::status {

RateWindow::RateWindow(base::Nanos window, base::Nanos min_span) : window_(window), min_span_(min_span) {
  assert(min_span_.count() > 0 && min_span_ <= window_);
}

void RateWindow::begin_tick() {
  for (auto& [key, series] : series_) series.seen = false;
}

void RateWindow::sample(const std::string& key, base::MonoTime now, uint64_t count) {
  Series& s = series_[key];
  s.seen = true;
  if (!s.samples.empty() && (count < s.samples.back().count || now < s.samples.back().at)) s.samples.clear();
  // A sample already older than the window can serve no later query.
  while (!s.samples.empty() && now - s.samples.front().at > window_) s.samples.pop_front();
  // Only the oldest sample in the window is ever used, so samples closer
  // together than window / kMaxSamples add nothing: skipping them bounds a
  // key's memory whatever the sampling period.
  if (!s.samples.empty() && now - s.samples.back().at < window_ / kMaxSamples) return;
  if (s.samples.size() > kMaxSamples) s.samples.pop_front();  // not reached with the spacing above
  s.samples.push_back({now, count});
}

void RateWindow::end_tick() {
  std::erase_if(series_, [](const auto& entry) { return !entry.second.seen; });
}

std::optional<double> RateWindow::rate(const std::string& key, base::MonoTime now, uint64_t count) const {
  auto it = series_.find(key);
  if (it == series_.end()) return std::nullopt;
  for (const Sample& s : it->second.samples) {
    if (now - s.at > window_) continue;  // too old by now
    if (now - s.at < min_span_ || count < s.count) return std::nullopt;
    const double seconds = std::chrono::duration<double>(now - s.at).count();
    return static_cast<double>(count - s.count) / seconds;
  }
  return std::nullopt;
}

}  // namespace tandem::status
