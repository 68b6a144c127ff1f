#include "daemon/http/router.h"

namespace tandem::http_proxy {
namespace {

// The path of a request target: origin-form "/a/b?q" gives "/a/b?q" (a
// prefix of the whole target is what operators write); absolute-form
// "http://host/a" gives "/a".
std::string_view target_path(std::string_view target) {
  if (!target.empty() && target[0] == '/') return target;
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return target;
  size_t slash = target.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

}  // namespace

Router::Router(const std::vector<conf::RouteConf>& routes, std::vector<uint32_t> pool_of_route, uint32_t default_pool)
    : routes_(&routes), pool_of_route_(std::move(pool_of_route)), default_pool_(default_pool) {}

std::string_view Router::normalize_host(std::string_view host, char (&out)[256]) {
  if (!host.empty() && host[0] == '[') {  // [v6]:port
    size_t close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.size() >= sizeof out) return {};
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {out, host.size()};
}

bool Router::host_matches(std::string_view pattern, std::string_view h) {
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return h.size() > suffix.size() && h.ends_with(suffix);
  }
  return pattern == h;
}

uint32_t Router::route(const http::MessageHead& request) const {
  char host_buf[256];
  std::string_view host;
  bool host_done = false;
  for (size_t i = 0; i < routes_->size(); ++i) {
    const conf::RouteConf& r = (*routes_)[i];
    bool match = false;
    switch (r.kind) {
      case conf::RouteConf::Kind::Host:
        if (!host_done) {
          host = normalize_host(request.host, host_buf);
          host_done = true;
        }
        match = !host.empty() && host_matches(r.value, host);
        break;
      case conf::RouteConf::Kind::PathPrefix:
        match = target_path(request.target).starts_with(r.value);
        break;
      case conf::RouteConf::Kind::Header:
        for (const http::Header& h : request.headers) {
          if (http::iequals(h.name, r.header) && h.value == r.value) {
            match = true;
            break;
          }
        }
        break;
    }
    if (match) return pool_of_route_[i];
  }
  return default_pool_;
}

}  // namespace tandem::http_proxy
