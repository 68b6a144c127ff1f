#include "conf/cross_checks.h"

#include <string>
#include <vector>

#include "conf/suggest.h"

namespace tandem::conf {
namespace {

template <typename T>
std::vector<const Parsed<T>*> live(const std::deque<Parsed<T>>& sections) {
  std::vector<const Parsed<T>*> out;
  for (const auto& s : sections)
    if (!s.record.duplicate) out.push_back(&s);
  return out;
}

bool is_any(const base::SocketAddress& a) {
  for (char c : a.address_bytes())
    if (c != 0) return false;
  return true;
}

// Two listeners conflict when the kernel would give both the same
// connections: same family and port, and the same address or a wildcard.
bool overlaps(const base::SocketAddress& a, const base::SocketAddress& b) {
  if (a.family() != b.family() || a.port() != b.port()) return false;
  return a.address_bytes() == b.address_bytes() || is_any(a) || is_any(b);
}

void check_frontends(const std::vector<const Parsed<FrontendConf>*>& frontends,
                     const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors) {
  std::vector<std::string_view> pool_names;
  for (const auto* p : pools) pool_names.push_back(p->conf.name);
  for (const auto* f : frontends) {
    const SectionRecord& r = f->record;
    if (r.first_line("bind") == 0)
      errors.add(r.line, r.label, "bind", "missing: a frontend needs at least one 'bind = HOST:PORT'");
    if (r.first_line("pool") == 0) errors.add(r.line, r.label, "pool", "missing: a frontend needs 'pool = NAME'");
    if (f->conf.pool.empty() || !check_references) continue;
    bool found = false;
    for (auto name : pool_names) found = found || name == f->conf.pool;
    if (!found)
      errors.add(r.first_line("pool"), r.label, "pool",
                 "no section [pool:" + f->conf.pool + "]" + did_you_mean(f->conf.pool, pool_names));
  }
}

void check_pools(const std::vector<const Parsed<FrontendConf>*>& frontends,
                 const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors) {
  for (const auto* p : pools) {
    const SectionRecord& r = p->record;
    bool used = false;
    for (const auto* f : frontends) used = used || f->conf.pool == p->conf.name;
    if (!used && check_references) errors.add(r.line, r.label, "", "pool '" + p->conf.name + "' is not used by any frontend");
    if (r.first_line("server") == 0)
      errors.add(r.line, r.label, "server", "missing: a pool needs at least one 'server = NAME HOST:PORT'");
  }
}

void check_binds(const std::vector<const Parsed<FrontendConf>*>& frontends, ErrorList& errors) {
  struct Bound {
    const base::SocketAddress* address;
    const Parsed<FrontendConf>* frontend;
    int line;
  };
  std::vector<Bound> bound;
  for (const auto* f : frontends) {
    auto lines = f->record.applied.find("bind");
    for (size_t i = 0; i < f->conf.binds.size(); ++i) {
      const auto& a = f->conf.binds[i];
      int line = lines != f->record.applied.end() && i < lines->second.size() ? lines->second[i] : f->record.line;
      for (const Bound& b : bound) {
        if (!overlaps(a, *b.address)) continue;
        std::string owner = "frontend '" + b.frontend->conf.name + "', line " + std::to_string(b.line);
        errors.add(line, f->record.label, "bind",
                   *b.address == a ? a.to_string() + " is bound twice (also by " + owner + ")"
                                   : a.to_string() + " overlaps " + b.address->to_string() + " (bound by " + owner + ")");
        break;
      }
      bound.push_back({&a, f, line});
    }
  }
}

}  // namespace

void check_cross_references(const ParsedConfig& parsed, ErrorList& errors) {
  auto frontends = live(parsed.frontends);
  auto pools = live(parsed.pools);
  const bool check_references = !parsed.rejected_sections;
  if (frontends.empty() && check_references)
    errors.add(0, "", "", "no [frontend:NAME] section: there is nothing to serve");
  check_frontends(frontends, pools, check_references, errors);
  check_pools(frontends, pools, check_references, errors);
  check_binds(frontends, errors);
}

}  // namespace tandem::conf
