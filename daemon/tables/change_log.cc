#include "daemon/tables/change_log.h"

namespace tandem::tables {

const char* to_string(ChangeScope scope) {
  switch (scope) {
    case ChangeScope::Local: return "local";
    case ChangeScope::All: return "all";
  }
  return "?";
}

}  // namespace tandem::tables
