#pragma once
// The value of an http frontend's `route` key:
//   route = host NAME -> POOL
//   route = path PREFIX -> POOL
//   route = header FIELD VALUE -> POOL
// Internal to conf/.

#include <string_view>

#include "base/result.h"
#include "conf/config.h"

namespace tandem::conf {

// The three forms, as shown in messages and docs.
inline constexpr std::string_view kRouteHostSyntax = "route = host NAME -> POOL";
inline constexpr std::string_view kRoutePathSyntax = "route = path PREFIX -> POOL";
inline constexpr std::string_view kRouteHeaderSyntax = "route = header FIELD VALUE -> POOL";

// Parses one route (the value only). The host NAME is lower-cased and may
// start with "*." (any subdomain); it has no port. A PREFIX starts with '/'.
// FIELD is an HTTP token; VALUE is everything between FIELD and "->" (inner
// blanks kept). Whether POOL exists is checked later, with the whole file.
// The result's `where` is left empty for the caller. Pure.
base::Result<RouteConf> parse_route_line(std::string_view value);

}  // namespace tandem::conf
