#include "vrrp/timing.h"

namespace tandem::vrrp {

Micros skew_time(uint8_t priority, Micros master_interval) {
  // At most 256 * 40950 ms in microseconds: far inside int64.
  return Micros((int64_t{256} - priority) * master_interval.count() / 256);
}

Micros master_down_interval(uint8_t priority, Micros master_interval) {
  return 3 * master_interval + skew_time(priority, master_interval);
}

}  // namespace tandem::vrrp
