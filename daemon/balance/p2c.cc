#include "daemon/balance/p2c.h"

namespace tandem::balance {

namespace {

// The pickable server whose cumulative-weight interval holds `r`, skipping
// `exclude`. Precondition: r < total weight of the pickable servers but
// `exclude`.
int weighted_find(std::span<const ServerLoad> servers, uint64_t r, int exclude) {
  for (size_t i = 0; i < servers.size(); ++i) {
    if (static_cast<int>(i) == exclude || !pickable(servers[i])) continue;
    if (r < servers[i].weight) return static_cast<int>(i);
    r -= servers[i].weight;
  }
  return -1;  // unreachable under the precondition
}

// active/weight strictly smaller, compared exactly in integers.
bool less_loaded(const ServerLoad& a, const ServerLoad& b) {
  return uint64_t{a.active} * b.weight < uint64_t{b.active} * a.weight;
}

}  // namespace

int PowerOfTwoChoices::pick(std::span<const ServerLoad> servers) {
  uint64_t total = 0;
  int count = 0;
  int only = -1;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!pickable(servers[i])) continue;
    total += servers[i].weight;
    ++count;
    only = static_cast<int>(i);
  }
  if (count <= 1) return only;
  const int first = weighted_find(servers, rng_.below(total), -1);
  const uint64_t rest = total - servers[static_cast<size_t>(first)].weight;
  const int second = weighted_find(servers, rng_.below(rest), first);
  return less_loaded(servers[static_cast<size_t>(second)], servers[static_cast<size_t>(first)]) ? second
                                                                                                 : first;
}

}  // namespace tandem::balance
