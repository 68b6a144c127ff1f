#include "daemon/balance/smooth_wrr.h"

namespace tandem::balance {

void SmoothWrr::reset(size_t n) { current_.assign(n, 0); }

int SmoothWrr::pick(std::span<const uint32_t> weights) {
  if (weights.size() != current_.size()) reset(weights.size());
  int64_t total = 0;
  int best = -1;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] == 0) continue;
    current_[i] += weights[i];
    total += weights[i];
    if (best < 0 || current_[i] > current_[static_cast<size_t>(best)]) best = static_cast<int>(i);
  }
  if (best >= 0) current_[static_cast<size_t>(best)] -= total;
  return best;
}

}  // namespace tandem::balance
