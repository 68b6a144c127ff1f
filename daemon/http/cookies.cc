#include "daemon/http/cookies.h"

#include "daemon/balance/hash.h"

namespace tandem::http_proxy {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(name, value, whole_pair) for each "name=value" of a Cookie value
// (pairs separated by ';'); stops when f returns false.
template <typename F>
void for_each_pair(std::string_view cookies, F f) {
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view pair = trim(cookies.substr(0, semi));
    cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
    size_t eq = pair.find('=');
    std::string_view name = trim(pair.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? std::string_view() : trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (!f(name, value, pair)) return;
  }
}

}  // namespace

std::string_view find_cookie(const http::MessageHead& request, std::string_view name) {
  std::string_view found;
  for (const http::Header& h : request.headers) {
    if (!http::iequals(h.name, "cookie")) continue;
    for_each_pair(h.value, [&](std::string_view n, std::string_view v, std::string_view) {
      if (n != name) return true;
      found = v;
      return false;
    });
    if (!found.empty()) break;
  }
  return found;
}

void strip_cookie(std::string_view cookie_value, std::string_view name, std::string* out) {
  out->clear();
  for_each_pair(cookie_value, [&](std::string_view n, std::string_view, std::string_view pair) {
    if (n == name || pair.empty()) return true;
    if (!out->empty()) out->append("; ");
    out->append(pair);
    return true;
  });
}

std::string_view set_cookie_value(std::string_view set_cookie, std::string_view name) {
  // Only the first pair is the cookie; the rest are attributes.
  std::string_view first = set_cookie.substr(0, set_cookie.find(';'));
  size_t eq = first.find('=');
  if (eq == std::string_view::npos || trim(first.substr(0, eq)) != name) return {};
  std::string_view value = trim(first.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return value;
}

void server_cookie_id(std::string_view pool, std::string_view server, char (&out)[16]) {
  uint64_t h = balance::fnv1a64(server, balance::fnv1a64("/", balance::fnv1a64(pool)));
  h = balance::mix64(h);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[h & 0xF];
    h >>= 4;
  }
}

}  // namespace tandem::http_proxy
