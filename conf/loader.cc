#include "conf/loader.h"

#include <ini.h>
#include <unistd.h>

#include <climits>

#include "conf/cross_checks.h"
#include "conf/http_checks.h"
#include "conf/suggest.h"

namespace tandem::conf {

// One kind of section. Adding a section kind is one entry here, plus its
// struct, key table and open_*() when it is supported.
struct Loader::SectionKind {
  enum class Naming { None, Required, Optional };
  std::string_view kind;
  Naming naming;
  std::string_view reserved_for;  // non-empty: not supported by this version
  Target (Loader::*open)(std::string_view name, int line, bool duplicate);
};

std::span<const Loader::SectionKind> Loader::section_kinds() {
  using N = SectionKind::Naming;
  static constexpr SectionKind kKinds[] = {
      {"global", N::None, "", &Loader::open_global},
      {"frontend", N::Required, "", &Loader::open_frontend},
      {"pool", N::Required, "", &Loader::open_pool},
      {"vrrp", N::Optional, "", &Loader::open_vrrp},
      {"sync", N::None, "", &Loader::open_sync},
  };
  return kKinds;
}

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // clang 14 has no aggregate CTAD

// Where a key lives when it is not a key of the section it was found in.
std::string_view home_of(std::string_view key) {
  auto has = [key](auto rules) {
    for (const auto& r : rules)
      if (r.key == key) return true;
    return false;
  };
  if (has(global_keys())) return "[global]";
  if (has(frontend_keys())) return "[frontend:NAME]";
  if (has(pool_keys())) return "[pool:NAME]";
  if (has(vrrp_keys())) return "[vrrp]";
  if (has(sync_keys())) return "[sync]";
  return {};
}

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

template <typename T>
Parsed<T>& open_in(std::deque<Parsed<T>>& list, std::string_view label, int line, bool duplicate) {
  Parsed<T>& p = list.emplace_back();
  p.record.label = std::string(label);
  p.record.line = line;
  p.record.duplicate = duplicate;
  return p;
}

}  // namespace

LoadResult Loader::load(std::string_view text) {
  LineReader reader(text, *this);
  reader_ = &reader;
  int rc = ini_parse_stream(&LineReader::read, &reader, &Loader::on_ini_pair, this);
  reader_ = nullptr;
  // The reader hands inih only lines it can parse, so inih itself should
  // never complain; if it does, say so rather than lose the line.
  if (rc > 0 && !errors_.has_error_at(rc)) errors_.add(rc, "", "", "cannot parse this line");
  if (rc < 0) errors_.add(0, "", "", "the INI parser failed (out of memory)");
  if (!errors_.full()) check_cross_references(parsed_, errors_);
  if (!errors_.full() && !sync_.empty()) check_sync(sync_, node_name(), errors_);
  if (!errors_.empty()) return LoadResult{std::nullopt, errors_.take()};
  return LoadResult{build(), {}};
}

int Loader::on_ini_pair(void* self, const char* /*section*/, const char* key, const char* value) {
  // The section comes from the LineReader's headers, not from inih (which
  // never sees them and would truncate long names).
  auto* loader = static_cast<Loader*>(self);
  loader->on_key(loader->reader_->line(), key, value != nullptr ? value : "");
  return 1;
}

void Loader::on_bad_header(int line, std::string message) {
  errors_.add(line, "", "", std::move(message));
  in_section_ = true;
  target_ = std::monostate{};
  parsed_.rejected_sections = true;
}

void Loader::on_bad_line(int line, std::string message) { errors_.add(line, "", "", std::move(message)); }

const Loader::SectionKind* Loader::check_header(int line, std::string_view header, std::string_view* name) {
  using N = SectionKind::Naming;
  size_t colon = header.find(':');
  std::string_view kind = header.substr(0, colon);
  *name = colon == std::string_view::npos ? std::string_view() : header.substr(colon + 1);
  const SectionKind* found = nullptr;
  std::vector<std::string_view> kinds;
  for (const SectionKind& k : section_kinds()) {
    if (k.kind == kind) found = &k;
    if (k.reserved_for.empty()) kinds.push_back(k.kind);
  }
  auto reject = [&](std::string message) {
    errors_.add(line, header, "", std::move(message));
    parsed_.rejected_sections = true;
    return nullptr;
  };
  if (header.empty()) return reject("empty section header '[]'");
  if (found == nullptr) {
    std::string guess = closest_match(kind, kinds);
    bool unnamed = name->empty();
    for (const SectionKind& k : section_kinds())
      if (k.kind == guess && k.naming == N::None) unnamed = true;
    std::string hint = guess.empty() ? std::string()
                                     : " (did you mean [" + guess + (unnamed ? "" : ":" + std::string(*name)) + "]?)";
    return reject("unknown section" + hint + "; expected [global], [frontend:NAME], [pool:NAME], [vrrp[:NAME]] or [sync]");
  }
  if (!found->reserved_for.empty()) {
    // Not a rejection for the cross-checks: these sections name no pools.
    errors_.add(line, header, "",
                "section not supported by this version (reserved for " + std::string(found->reserved_for) + ")");
    return nullptr;
  }
  if (found->naming == N::None && colon != std::string_view::npos)
    return reject("section [" + std::string(kind) + "] takes no name");
  if (found->naming == N::Required && colon == std::string_view::npos)
    return reject("section [" + std::string(kind) + "] needs a name: [" + std::string(kind) + ":NAME]");
  if (colon != std::string_view::npos)
    if (auto s = check_name(*name, "section name"); !s) return reject(s.error().message);
  return found;
}

void Loader::on_section_header(int line, std::string_view header) {
  in_section_ = true;
  target_ = std::monostate{};
  std::string_view name;
  const SectionKind* kind = check_header(line, header, &name);
  if (kind == nullptr) return;
  auto [it, first] = opened_.emplace(std::string(header), line);
  if (!first)
    errors_.add(line, header, "", "duplicate section (first at line " + std::to_string(it->second) + ")");
  // A repeated section is still parsed (into a copy that is dropped), so
  // the errors inside it are reported too.
  target_ = (this->*kind->open)(name, line, !first);
}

Loader::Target Loader::open_global(std::string_view, int line, bool duplicate) {
  return &open_in(parsed_.globals, "global", line, duplicate);
}

Loader::Target Loader::open_frontend(std::string_view name, int line, bool duplicate) {
  auto& p = open_in(parsed_.frontends, "frontend:" + std::string(name), line, duplicate);
  p.conf.name = std::string(name);
  p.conf.where = SourceLocation{errors_.file(), line};
  return &p;
}

Loader::Target Loader::open_pool(std::string_view name, int line, bool duplicate) {
  auto& p = open_in(parsed_.pools, "pool:" + std::string(name), line, duplicate);
  p.conf.name = std::string(name);
  p.conf.where = SourceLocation{errors_.file(), line};
  return &p;
}

Loader::Target Loader::open_vrrp(std::string_view name, int line, bool duplicate) {
  std::string label = name.empty() ? "vrrp" : "vrrp:" + std::string(name);
  auto& p = open_in(parsed_.vrrp, label, line, duplicate);
  p.conf.name = name.empty() ? "default" : std::string(name);
  p.conf.where = SourceLocation{errors_.file(), line};
  return &p;
}

Loader::Target Loader::open_sync(std::string_view, int line, bool duplicate) {
  auto& p = open_in(sync_, "sync", line, duplicate);
  p.conf.enabled = true;
  p.conf.where = SourceLocation{errors_.file(), line};
  return &p;
}

void Loader::on_key(int line, std::string_view key, std::string_view value) {
  if (!in_section_) {
    errors_.add(line, "", key, "key outside any section; put it under [global], [frontend:NAME], [pool:NAME], [vrrp] or [sync]");
    return;
  }
  std::visit(Overloaded{
                 [](std::monostate) {},  // in a rejected section: its header error says it all
                 [&](Parsed<GlobalConf>* s) { apply_key(*s, global_keys(), line, key, value); },
                 [&](Parsed<FrontendConf>* s) { apply_key(*s, frontend_keys(), line, key, value); },
                 [&](Parsed<PoolConf>* s) { apply_key(*s, pool_keys(), line, key, value); },
                 [&](Parsed<VrrpConf>* s) { apply_key(*s, vrrp_keys(), line, key, value); },
                 [&](Parsed<SyncConf>* s) { apply_key(*s, sync_keys(), line, key, value); },
             },
             target_);
}

template <typename T>
void Loader::apply_key(Parsed<T>& section, std::span<const KeyRule<T>> rules, int line, std::string_view key,
                       std::string_view value) {
  SectionRecord& r = section.record;
  if (key.empty()) {
    errors_.add(line, r.label, "", "missing key before '='");
    return;
  }
  const KeyRule<T>* rule = nullptr;
  std::vector<std::string_view> known;
  for (const KeyRule<T>& k : rules) {
    if (k.key == key) rule = &k;
    known.push_back(k.key);
  }
  if (rule == nullptr) {
    errors_.add(line, r.label, key, unknown_key_message(key, known));
    return;
  }
  auto& seen = r.seen[std::string(key)];
  if (!rule->repeatable && !seen.empty()) {
    errors_.add(line, r.label, key, "given twice (first at line " + std::to_string(seen.front()) + ")");
    return;
  }
  seen.push_back(line);
  if (value.empty()) {
    errors_.add(line, r.label, key, "empty value");
    return;
  }
  KeyContext ctx{options_, SourceLocation{errors_.file(), line}};
  if (auto status = rule->apply(section.conf, value, ctx); !status) {
    std::string message = status.error().message;
    size_t hash = value.find('#');
    if (hash != std::string_view::npos && hash > 0 && (value[hash - 1] == ' ' || value[hash - 1] == '\t') &&
        message.find("starts a comment") == std::string::npos)
      message += " ('#' starts a comment only at the start of a line; use ';' after a value)";
    errors_.add(line, r.label, key, std::move(message));
    return;
  }
  r.applied[std::string(key)].push_back(line);
}

std::string Loader::unknown_key_message(std::string_view key, std::span<const std::string_view> known) const {
  std::string_view home = home_of(key);
  if (!home.empty()) return "unknown key '" + std::string(key) + "' here: it belongs in " + std::string(home);
  return "unknown key " + quote(key) + did_you_mean(key, known);
}

std::string Loader::node_name() const {
  for (const auto& g : parsed_.globals)
    if (!g.record.duplicate && !g.conf.node.empty()) return g.conf.node;
  return host_name();
}

Config Loader::build() {
  Config c;
  c.file = errors_.file();
  for (auto& g : parsed_.globals)
    if (!g.record.duplicate) c.global = std::move(g.conf);
  if (c.global.node.empty()) c.global.node = host_name();
  for (auto& f : parsed_.frontends) {
    if (f.record.duplicate) continue;
    finish_http_frontend(f);
    c.frontends.push_back(std::move(f.conf));
  }
  for (auto& p : parsed_.pools)
    if (!p.record.duplicate) c.pools.push_back(std::move(p.conf));
  for (auto& v : parsed_.vrrp)
    if (!v.record.duplicate) c.vrrp.push_back(std::move(v.conf));
  for (auto& s : sync_)
    if (!s.record.duplicate) c.sync = std::move(s.conf);
  return c;
}

}  // namespace tandem::conf
