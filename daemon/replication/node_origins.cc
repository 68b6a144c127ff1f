#include "daemon/replication/node_origins.h"

namespace tandem::replication {

uint32_t NodeOrigins::id_of(std::string_view name) {
  if (name == local_) return kLocal;
  if (name < std::string_view(local_)) {
    below_ = std::string(name);
    return last_peer_ = kBelow;
  }
  above_ = std::string(name);
  return last_peer_ = kAbove;
}

const std::string& NodeOrigins::name_of(uint32_t id) const {
  if (id == kBelow && !below_.empty()) return below_;
  if (id == kAbove && !above_.empty()) return above_;
  return local_;
}

}  // namespace tandem::replication
