#pragma once
// The two derived timers of RFC 5798 6.1, as pure functions.
//
// The RFC states them in centiseconds. Computed there in integers, a 10 ms
// interval would give every priority a Skew_Time of 0 and lose the point of
// the skew (the highest-priority backup answers first). We compute in
// microseconds instead: the result is the RFC's formula evaluated exactly
// and truncated to the microsecond, so whenever the RFC's value is a whole
// number of centiseconds (e.g. priority 0, or priority 128 with an even
// interval) it is that value exactly, and otherwise it is within 1 us of it.

#include <chrono>
#include <cstdint>

namespace tandem::vrrp {

using Micros = std::chrono::microseconds;

// Skew_Time = ((256 - priority) * Master_Adver_Interval) / 256.
// `priority` is the effective priority; `master_interval` must be >= 0.
Micros skew_time(uint8_t priority, Micros master_interval);

// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time.
Micros master_down_interval(uint8_t priority, Micros master_interval);

}  // namespace tandem::vrrp
