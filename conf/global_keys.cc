// The keys of [global].

#include <string>

#include "conf/key_rules.h"
#include "conf/keywords.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

// sun_path holds 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

Status set_node(GlobalConf& g, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "node name"); !s) return s;
  g.node = std::string(v);
  return {};
}

Status set_workers(GlobalConf& g, std::string_view v, const KeyContext&) {
  if (iequals(v, "auto")) {
    g.workers = 0;
    return {};
  }
  auto n = parse_count(v, 1, 256);
  if (!n) return make_error(n.error().message + "; expected 'auto' or a number of threads 1..256");
  g.workers = static_cast<int>(*n);
  return {};
}

Status set_status_socket(GlobalConf& g, std::string_view v, const KeyContext&) {
  if (v.front() != '/') return make_error("must be an absolute path, got " + quote(v));
  if (v.back() == '/') return make_error(quote(v) + " names a directory; give the socket's file name");
  if (v.size() > kMaxSocketPath)
    return make_error("path is too long for a Unix socket (" + std::to_string(v.size()) + " bytes; at most " +
                      std::to_string(kMaxSocketPath) + ")");
  g.status_socket = std::string(v);
  return {};
}

Status set_status_group(GlobalConf& g, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "group name"); !s) return s;
  g.status_group = std::string(v);
  return {};
}

// A dotted numeric OID with at least two arcs, each fitting in 32 bits.
Status set_oid_base(GlobalConf& g, std::string_view v, const KeyContext&) {
  const std::string bad = "bad OID " + quote(v) + " (expected digits and dots, e.g. 1.3.6.1.4.1.32473.7)";
  size_t arcs = 0;
  size_t start = 0;
  while (start <= v.size()) {
    size_t dot = v.find('.', start);
    std::string_view arc = v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto n = parse_count(arc, 0, 4294967295LL);
    if (!n) return make_error(bad);
    ++arcs;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs < 2) return make_error(bad);
  g.oid_base = std::string(v);
  return {};
}

constexpr KeyRule<GlobalConf> kGlobalKeys[] = {
    {"node", kSingle, set_node},
    {"workers", kSingle, set_workers},
    {"status_socket", kSingle, set_status_socket},
    {"status_group", kSingle, set_status_group},
    {"oid_base", kSingle, set_oid_base},
    {"shutdown_timeout", kSingle, set_duration<GlobalConf, &GlobalConf::shutdown_timeout, 0, 24 * kHour>},
    {"log_level", kSingle, set_keyword<GlobalConf, &GlobalConf::log_level, kLogLevels>},
};

}  // namespace

std::span<const KeyRule<GlobalConf>> global_keys() { return kGlobalKeys; }

}  // namespace tandem::conf
