#include "conf/route_line.h"

#include <string>
#include <vector>

#include "conf/suggest.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

using base::make_error;

constexpr std::string_view kKinds[] = {"host", "path", "header"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// "[2001:db8::1]": how an IPv6 address appears in a Host field.
bool is_ipv6_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  for (char c : s.substr(1, s.size() - 2)) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string expected(std::string_view syntax) { return "expected '" + std::string(syntax) + "'"; }

std::string_view syntax_of(RouteConf::Kind kind) {
  switch (kind) {
    case RouteConf::Kind::Host: return kRouteHostSyntax;
    case RouteConf::Kind::PathPrefix: return kRoutePathSyntax;
    case RouteConf::Kind::Header: return kRouteHeaderSyntax;
  }
  return kRouteHostSyntax;
}

base::Status check_path_prefix(std::string_view prefix) {
  if (prefix.front() != '/') return make_error("path prefix must start with '/', got " + quote(prefix));
  if (prefix.find('?') != std::string_view::npos)
    return make_error("path prefix " + quote(prefix) + " contains '?': routes match the path, not the query");
  if (prefix.find('#') != std::string_view::npos)
    return make_error("path prefix " + quote(prefix) + " contains '#' (clients never send a fragment)");
  return {};
}

// The route's match part (between the kind and "->"), checked and stored.
base::Status set_match(RouteConf& r, const std::vector<std::string_view>& words, size_t arrow, std::string_view value) {
  const std::string how = expected(syntax_of(r.kind));
  switch (r.kind) {
    case RouteConf::Kind::Host:
      if (arrow != 2) return make_error(how + " (one host name before '->')");
      if (!is_ipv6_literal(words[1]))
        if (auto s = check_host_name(words[1], "host name", true); !s) return s;
      r.value = lower(words[1]);
      return {};
    case RouteConf::Kind::PathPrefix:
      if (arrow != 2) return make_error(how + " (one path prefix before '->'; encode blanks as %20)");
      if (auto s = check_path_prefix(words[1]); !s) return s;
      r.value = std::string(words[1]);
      return {};
    case RouteConf::Kind::Header: {
      if (arrow < 3) return make_error(how + " (a field name and a value before '->')");
      if (auto s = check_token(words[1], "header name"); !s) return s;
      r.header = std::string(words[1]);
      // VALUE keeps its inner blanks: it runs from its first word to the last
      // word before the arrow, in the original text.
      const char* begin = words[2].data();
      const char* end = words[arrow - 1].data() + words[arrow - 1].size();
      r.value = std::string(value.substr(static_cast<size_t>(begin - value.data()), static_cast<size_t>(end - begin)));
      return {};
    }
  }
  return {};
}

}  // namespace

base::Result<RouteConf> parse_route_line(std::string_view value) {
  auto words = split_words(value);
  RouteConf r;
  std::string_view kind = words[0];
  if (iequals(kind, "host")) {
    r.kind = RouteConf::Kind::Host;
  } else if (iequals(kind, "path")) {
    r.kind = RouteConf::Kind::PathPrefix;
  } else if (iequals(kind, "header")) {
    r.kind = RouteConf::Kind::Header;
  } else {
    return make_error("unknown route kind " + quote(kind) + did_you_mean(kind, kKinds) + "; expected '" +
                      std::string(kRouteHostSyntax) + "', '" + std::string(kRoutePathSyntax) + "' or '" +
                      std::string(kRouteHeaderSyntax) + "'");
  }
  const std::string how = expected(syntax_of(r.kind));
  size_t arrow = 0;
  for (size_t i = 1; i < words.size() && arrow == 0; ++i)
    if (words[i] == "->") arrow = i;
  if (arrow == 0) {
    bool glued = value.find("->") != std::string_view::npos;
    return make_error(std::string(glued ? "put blanks around '->'" : "missing '->'") + "; " + how);
  }
  if (words.size() != arrow + 2) return make_error(how + " (one pool name after '->')");
  if (auto s = set_match(r, words, arrow, value); !s) return s.error();
  if (auto s = check_name(words[arrow + 1], "pool name"); !s) return s.error();
  r.pool = std::string(words[arrow + 1]);
  return r;
}

}  // namespace tandem::conf
