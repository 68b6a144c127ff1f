// The keys of [pool:NAME].

#include <string>

#include "conf/file_checks.h"
#include "conf/key_rules.h"
#include "conf/keywords.h"
#include "conf/server_line.h"
#include "conf/suggest.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

constexpr std::string_view kDefaultStickyCookie = "TANDEMID";

// `hash_key = uri | header NAME | cookie NAME`
Status set_hash_key(PoolConf& p, std::string_view v, const KeyContext&) {
  static constexpr std::string_view kKinds[] = {"uri", "header", "cookie"};
  auto words = split_words(v);
  std::string_view kind = words[0];
  if (iequals(kind, "uri")) {
    if (words.size() != 1) return make_error("'uri' takes no argument");
    p.hash_key = "uri";
    return {};
  }
  if (iequals(kind, "header") || iequals(kind, "cookie")) {
    kind = iequals(kind, "header") ? kKinds[1] : kKinds[2];
    if (words.size() != 2)
      return make_error("expected 'hash_key = " + std::string(kind) + " NAME' (one " + std::string(kind) + " name)");
    if (auto s = check_token(words[1], std::string(kind) + " name"); !s) return s;
    p.hash_key = std::string(kind) + " " + std::string(words[1]);
    return {};
  }
  return make_error("unknown value " + quote(kind) + did_you_mean(kind, kKinds) +
                    "; expected uri, header NAME or cookie NAME");
}

// `sticky = none | source | cookie [NAME] | learn NAME`
Status set_sticky(PoolConf& p, std::string_view v, const KeyContext&) {
  auto words = split_words(v);
  auto kind = parse_keyword(words[0], kStickyKinds);
  if (!kind) return kind.error();
  std::string cookie;
  switch (*kind) {
    case StickyKind::None:
    case StickyKind::Source:
      if (words.size() != 1) return make_error("'" + std::string(words[0]) + "' takes no argument");
      break;
    case StickyKind::Cookie:
      if (words.size() > 2) return make_error("expected 'sticky = cookie [NAME]'");
      cookie = words.size() == 2 ? std::string(words[1]) : std::string(kDefaultStickyCookie);
      break;
    case StickyKind::Learn:
      if (words.size() != 2)
        return make_error("expected 'sticky = learn NAME' (NAME: the application's cookie to learn)");
      cookie = std::string(words[1]);
      break;
  }
  if (!cookie.empty())
    if (auto s = check_token(cookie, "cookie name"); !s) return s;
  p.sticky = *kind;
  p.sticky_cookie = cookie;
  return {};
}

Status set_health_path(PoolConf& p, std::string_view v, const KeyContext&) {
  if (v.front() != '/') return make_error("must start with '/', got " + quote(v));
  for (char c : v)
    if (c == ' ' || c == '\t') return make_error("must not contain blanks (encode them as %20): " + quote(v));
  p.health_path = std::string(v);
  return {};
}

Status set_health_host(PoolConf& p, std::string_view v, const KeyContext&) {
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_' || c == ':' || c == '[' || c == ']';
    if (!ok) return make_error("bad host name " + quote(v));
  }
  p.health_host = std::string(v);
  return {};
}

// The CA bundle for `server ... tls verify=required`.
Status set_tls_ca_file(PoolConf& p, std::string_view v, const KeyContext&) {
  if (auto s = check_readable_file(v, "CA file"); !s) return s;
  p.tls_ca_file = std::string(v);
  return {};
}

// Far beyond any real pool; keeps the duplicate-name check cheap.
constexpr size_t kMaxServers = 10000;

Status add_server(PoolConf& p, std::string_view v, const KeyContext& ctx) {
  if (p.servers.size() >= kMaxServers)
    return make_error("too many servers in one pool (at most " + std::to_string(kMaxServers) + ")");
  auto s = parse_server_line(v, ctx.options.resolve_hosts);
  if (!s) return s.error();
  if (const ServerConf* other = p.find_server(s->name))
    return make_error("duplicate server name '" + s->name + "' (first at line " + std::to_string(other->where.line) +
                      ")");
  s->where = ctx.where;
  p.servers.push_back(std::move(*s));
  return {};
}

constexpr KeyRule<PoolConf> kPoolKeys[] = {
    {"balance", kSingle, set_keyword<PoolConf, &PoolConf::balance, kBalances>},
    {"hash_key", kSingle, set_hash_key},
    {"sticky", kSingle, set_sticky},
    {"sticky_ttl", kSingle, set_duration<PoolConf, &PoolConf::sticky_ttl, kSecond, 8760 * kHour>},
    {"sticky_size", kSingle, set_count<PoolConf, &PoolConf::sticky_size, 1, 100000000, true>},
    {"health", kSingle, set_keyword<PoolConf, &PoolConf::health, kHealthKinds>},
    {"health_path", kSingle, set_health_path},
    {"health_expect", kSingle, set_count<PoolConf, &PoolConf::health_expect, 100, 599>},
    {"health_host", kSingle, set_health_host},
    {"health_interval", kSingle, set_duration<PoolConf, &PoolConf::health_interval, 10 * kMs, kHour>},
    {"health_timeout", kSingle, set_duration<PoolConf, &PoolConf::health_timeout, kMs, kHour>},
    {"health_rise", kSingle, set_count<PoolConf, &PoolConf::health_rise, 1, 100>},
    {"health_fall", kSingle, set_count<PoolConf, &PoolConf::health_fall, 1, 100>},
    {"timeout_connect", kSingle, set_duration<PoolConf, &PoolConf::timeout_connect, kMs, kHour>},
    {"timeout_server", kSingle, set_duration<PoolConf, &PoolConf::timeout_server, kMs, 24 * kHour>},
    {"retries", kSingle, set_count<PoolConf, &PoolConf::retries, 0, 10>},
    {"server_keepalive_idle", kSingle, set_duration<PoolConf, &PoolConf::server_keepalive_idle, 0, kHour>},
    {"server_keepalive_max", kSingle, set_count<PoolConf, &PoolConf::server_keepalive_max, 0, 100000, true>},
    {"tls_ca_file", kSingle, set_tls_ca_file},
    {"server", kList, add_server},
};

}  // namespace

std::span<const KeyRule<PoolConf>> pool_keys() { return kPoolKeys; }

}  // namespace tandem::conf
