#pragma once
// The value of a pool's `server` key:
//   server = NAME HOST:PORT [weight=N] [backup] [maxconn=N]
//            [tls [verify=none|required] [sni=NAME]]
// Internal to conf/.

#include <string_view>

#include "base/result.h"
#include "conf/config.h"

namespace tandem::conf {

// The syntax, as shown in messages and docs.
inline constexpr std::string_view kServerSyntax =
    "server = NAME HOST:PORT [weight=N] [backup] [maxconn=N] [tls [verify=none|required] [sni=NAME]]";

// Parses one server line (the value only). `resolve` allows host names
// (looked up once, blocking); otherwise only literal addresses pass. The
// result's `where` is left empty for the caller. Pure apart from DNS.
base::Result<ServerConf> parse_server_line(std::string_view value, bool resolve);

}  // namespace tandem::conf
