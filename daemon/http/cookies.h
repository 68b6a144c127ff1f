#pragma once
// Cookies as Tandem's stickiness uses them (RFC 6265 syntax, read leniently
// as browsers send it): finding one cookie in a request's Cookie fields,
// removing Tandem's own cookie before the request reaches the server,
// reading the cookie a response sets, and the opaque server id of
// `sticky = cookie`.
//
// Threading: pure functions; any thread.

#include <string>
#include <string_view>

#include "http/message_head.h"

namespace tandem::http_proxy {

// The value of cookie `name` in the request's Cookie fields, or empty.
std::string_view find_cookie(const http::MessageHead& request, std::string_view name);

// One Cookie field value without cookie `name` (appended to `out`, which is
// cleared first); empty when nothing else is left.
void strip_cookie(std::string_view cookie_value, std::string_view name, std::string* out);

// The value a `Set-Cookie` field value sets for cookie `name`, or empty
// (other cookies, or no such cookie).
std::string_view set_cookie_value(std::string_view set_cookie, std::string_view name);

// The id `sticky = cookie` puts in its cookie for a server: 16 hex digits of
// a stable hash of pool and server name (the same on both nodes, across
// restarts; not the address). Writes 16 chars to `out`.
void server_cookie_id(std::string_view pool, std::string_view server, char (&out)[16]);

}  // namespace tandem::http_proxy
