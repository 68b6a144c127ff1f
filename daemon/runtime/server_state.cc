#include "daemon/runtime/server_state.h"

namespace tandem::runtime {

const char* to_string(AdminState s) {
  switch (s) {
    case AdminState::Enabled: return "enabled";
    case AdminState::Drain: return "drain";
    case AdminState::Disabled: return "disabled";
  }
  return "?";
}

bool FrontendState::claim_connection(int max) {
  if (max <= 0) return true;
  const int64_t claims = claims_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (traffic_.active() + claims <= max) return true;
  release_claim();
  return false;
}

}  // namespace tandem::runtime
