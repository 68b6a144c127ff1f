#pragma once
// What the load-aware pickers (least_conn.h, p2c.h) know of one server: the
// caller fills a span of these from its own pool state, index for index.

#include <cstdint>

namespace tandem::balance {

struct ServerLoad {
  uint32_t active = 0;    // connections currently open to the server
  uint32_t weight = 0;    // 0 = never picked
  bool eligible = false;  // up, enabled, not draining, below maxconn
};

// True if the server may be picked at all.
constexpr bool pickable(const ServerLoad& s) { return s.eligible && s.weight > 0; }

}  // namespace tandem::balance
