#pragma once
// Keys the loader accepts (their syntax is final, docs/config.md) but this
// version of tandemd does not act on yet: TLS to servers (`server … tls`).
// A config using them is refused with FILE:LINE — by `--check`, at start
// and on reload — rather than sent in plain text where the operator
// believes it encrypted.
//
// Threading: a pure function.

#include <string>
#include <vector>

#include "conf/config.h"

namespace tandem {

// One "FILE:LINE: [section] key: message" per use of a feature not built yet.
std::vector<std::string> features_not_available(const conf::Config& config);

}  // namespace tandem
