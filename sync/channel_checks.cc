#include "sync/channel_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

namespace tandem::sync {

std::vector<std::string> mismatched_pools(const std::vector<PoolFingerprint>& ours,
                                          const std::vector<PoolFingerprint>& theirs) {
  // A pool listed twice on one side with different digests is ambiguous:
  // treat it as mismatched.
  std::map<std::string, std::set<Digest>> a;
  std::map<std::string, std::set<Digest>> b;
  for (const PoolFingerprint& p : ours) a[p.pool].insert(p.digest);
  for (const PoolFingerprint& p : theirs) b[p.pool].insert(p.digest);
  std::set<std::string> out;
  for (const auto& [pool, digests] : a) {
    auto it = b.find(pool);
    if (it == b.end() || digests.size() != 1 || it->second != digests) out.insert(pool);
  }
  for (const auto& [pool, digests] : b) {
    if (!a.count(pool)) out.insert(pool);
  }
  return {out.begin(), out.end()};
}

const std::string* record_pool(const Record& record) {
  return std::visit(
      [](const auto& r) -> const std::string* {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StickySourceRecord> || std::is_same_v<T, StickyLearnedRecord> ||
                      std::is_same_v<T, AdminRecord>) {
          return &r.pool;
        } else if constexpr (std::is_same_v<T, ConnectionRecord>) {
          return r.pool.empty() ? nullptr : &r.pool;
        } else {
          return nullptr;
        }
      },
      record.data);
}

bool is_mismatched(const std::vector<std::string>& mismatched, const std::string& pool) {
  return std::binary_search(mismatched.begin(), mismatched.end(), pool);
}

std::vector<std::string> both_master(const std::vector<InstanceRole>& ours,
                                     const std::vector<InstanceRole>& theirs) {
  std::set<std::string> mine;
  for (const InstanceRole& r : ours) {
    if (r.role == VrrpRole::Master) mine.insert(r.instance);
  }
  std::set<std::string> out;
  for (const InstanceRole& r : theirs) {
    if (r.role == VrrpRole::Master && mine.count(r.instance)) out.insert(r.instance);
  }
  return {out.begin(), out.end()};
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace tandem::sync
