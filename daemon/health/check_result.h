#pragma once
// The outcome of one health probe: what HealthChecker reports and what
// HealthTracker consumes. A plain value; copy it freely.

#include <chrono>
#include <string>

namespace tandem::health {

struct CheckResult {
  bool ok = false;
  // Short, operator-facing text: "ok", "connection refused",
  // "timeout after 500ms while connecting", "HTTP 503, expected 200",
  // "bad HTTP response", "connection closed before a response", ...
  std::string reason;
  // From the start of the probe (socket creation) to its outcome.
  std::chrono::microseconds duration{0};
};

}  // namespace tandem::health
