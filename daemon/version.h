#pragma once

namespace tandem {

inline constexpr const char* kVersion = "0.2.0";

}  // namespace tandem
