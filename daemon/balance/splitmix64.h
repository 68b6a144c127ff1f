#pragma once
// SplitMix64 (Steele, Lea, Flood, "Fast Splittable Pseudorandom Number
// Generators", OOPSLA'14; public-domain reference by Vigna): a tiny, fast,
// seedable PRNG, good enough for picking servers and not for secrets.
//
// Threading: not thread-safe; one object per thread.

#include <cstdint>

namespace tandem::balance {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // A value in [0, bound), bound > 0, by Lemire's multiply-shift (the bias is
  // below bound / 2^64: irrelevant for pool sizes and weight sums).
  uint64_t below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  uint64_t state_;
};

}  // namespace tandem::balance
