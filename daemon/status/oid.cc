#include "daemon/status/oid.h"

#include <algorithm>

namespace tandem::status {

base::Result<Oid> Oid::parse(std::string_view text) {
  const std::string shown(text.substr(0, 64));
  auto bad = [&](const char* why) {
    return base::make_error("bad OID '" + shown + (text.size() > 64 ? "...'" : "'") + ": " + why);
  };
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
  if (rest.empty()) return bad("empty");
  std::vector<uint32_t> components;
  while (true) {
    const size_t dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    if (part.empty()) return bad("empty component");
    uint64_t value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return bad("components must be decimal numbers");
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value > UINT32_MAX) return bad("component above 4294967295");
    }
    if (components.size() == kMaxComponents) return bad("more than 128 components");
    components.push_back(static_cast<uint32_t>(value));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return Oid(std::move(components));
}

std::string Oid::to_string() const {
  std::string out;
  out.reserve(components_.size() * 4);
  for (uint32_t c : components_) {
    out += '.';
    out += std::to_string(c);
  }
  return out;
}

bool Oid::is_prefix_of(const Oid& other) const {
  return components_.size() <= other.components_.size() &&
         std::equal(components_.begin(), components_.end(), other.components_.begin());
}

Oid Oid::child(std::initializer_list<uint32_t> suffix) const {
  Oid out = *this;
  out.components_.insert(out.components_.end(), suffix.begin(), suffix.end());
  return out;
}

Oid Oid::child(const Oid& suffix) const {
  Oid out = *this;
  out.components_.insert(out.components_.end(), suffix.components_.begin(), suffix.components_.end());
  return out;
}

}  // namespace tandem::status
