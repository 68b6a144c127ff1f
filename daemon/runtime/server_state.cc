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

}  // namespace tandem::runtime
