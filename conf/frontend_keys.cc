// The keys of [frontend:NAME].

#include <string>

#include "conf/key_rules.h"
#include "conf/keywords.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

Status add_bind(FrontendConf& f, std::string_view v, const KeyContext& ctx) {
  if (v.find_first_of(" \t") != std::string_view::npos)
    return make_error("one address per line: " + quote(v) + " (repeat 'bind' for more addresses)");
  auto a = base::SocketAddress::parse(v, ctx.options.resolve_hosts);
  if (!a) return a.error();
  f.binds.push_back(*a);
  return {};
}

Status set_pool(FrontendConf& f, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "pool name"); !s) return s;
  f.pool = std::string(v);
  return {};
}

constexpr KeyRule<FrontendConf> kFrontendKeys[] = {
    {"bind", kList, add_bind},
    {"mode", kSingle, set_keyword<FrontendConf, &FrontendConf::mode, kModes>},
    {"pool", kSingle, set_pool},
    {"max_connections", kSingle, set_count<FrontendConf, &FrontendConf::max_connections, 1, 10000000, true>},
    {"backlog", kSingle, set_count<FrontendConf, &FrontendConf::backlog, 1, 65535>},
    {"timeout_client", kSingle, set_duration<FrontendConf, &FrontendConf::timeout_client, kMs, 24 * kHour>},
    {"splice", kSingle, set_keyword<FrontendConf, &FrontendConf::splice, kSpliceModes>},
};

}  // namespace

std::span<const KeyRule<FrontendConf>> frontend_keys() { return kFrontendKeys; }

}  // namespace tandem::conf
