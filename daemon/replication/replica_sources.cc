#include "daemon/replication/replica_sources.h"

#include <algorithm>
#include <cstdint>

namespace tandem::replication {

uint64_t to_wall_ms(base::WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms > 0 ? static_cast<uint64_t>(ms) : 0;
}

base::WallTime from_wall_ms(uint64_t ms) {
  return base::WallTime(std::chrono::duration_cast<base::WallTime::duration>(
      std::chrono::milliseconds(static_cast<int64_t>(std::min<uint64_t>(ms, INT64_MAX / 1000000)))));
}

}  // namespace tandem::replication
