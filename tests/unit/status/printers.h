#pragma once
// How Boost.Test prints status types in failure messages.

#include <ostream>

#include "daemon/status/oid.h"
#include "daemon/status/protocol.h"
#include "daemon/status/status_client.h"

namespace tandem::status {

inline std::ostream& boost_test_print_type(std::ostream& os, const Oid& oid) { return os << oid.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, StatusCode code) {
  return os << static_cast<int>(code) << " (" << to_string(code) << ")";
}

inline std::ostream& boost_test_print_type(std::ostream& os, ClientFailure f) { return os << to_string(f); }

}  // namespace tandem::status
