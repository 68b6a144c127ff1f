#pragma once
// Chooses the pool of an HTTP request from a frontend's `route` lines: the
// first that matches wins, otherwise the frontend's default pool
// (docs/http.md, "A request's way through").
//
// Threading: immutable after construction; any thread.

#include <cstdint>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "http/message_head.h"

namespace tandem::http_proxy {

class Router {
 public:
  // `pool_of_route[i]` is the pool index of `routes[i]`; `default_pool` that
  // of the frontend's `pool`. `routes` must outlive the router.
  Router(const std::vector<conf::RouteConf>& routes, std::vector<uint32_t> pool_of_route, uint32_t default_pool);

  // The pool index for this request head.
  uint32_t route(const http::MessageHead& request) const;

  // The host of a Host field value: without the port, lower-cased into `out`
  // (which must hold 256 bytes); empty if it is longer.
  static std::string_view normalize_host(std::string_view host, char (&out)[256]);
  // Whether host `h` (normalized) matches a route value: exact, or
  // "*.example.com" for any subdomain of example.com.
  static bool host_matches(std::string_view pattern, std::string_view h);

 private:
  const std::vector<conf::RouteConf>* routes_;
  std::vector<uint32_t> pool_of_route_;
  uint32_t default_pool_;
};

}  // namespace tandem::http_proxy
