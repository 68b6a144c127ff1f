#pragma once
// What a HealthChecker probes and how often. Built by the daemon from a
// conf::PoolConf (health, health_path, health_expect, health_host,
// health_interval, health_timeout) and the server's address.

#include <chrono>
#include <memory>
#include <string>

#include "base/socket_address.h"

namespace tandem::tls {
class PoolTls;
}

namespace tandem::health {

enum class CheckKind {
  Tcp,   // the check passes when a TCP connect succeeds
  Http,  // connect, GET `http_path`, the status must be `expect_status`
};

// "tcp" / "http", as in the config file.
const char* to_string(CheckKind k);

struct CheckParams {
  CheckKind kind = CheckKind::Tcp;
  base::SocketAddress target;
  // Time between probe starts (each one jittered by +-10% so servers
  // checked by one loop drift apart). Values below 1ms are treated as 1ms.
  std::chrono::milliseconds interval{2000};
  // Covers the whole probe: connect, send, and the status line arriving.
  // Values below 1ms are treated as 1ms.
  std::chrono::milliseconds timeout{1000};
  // Http only. The request target, as written in the config ("/health").
  // Empty means "/". Must not contain spaces or line breaks (the config
  // loader checks).
  std::string http_path = "/";
  int expect_status = 200;
  // Http only. The Host header; empty means the target as "10.0.0.21:8080"
  // (or "[2001:db8::1]:8080").
  std::string host;
  // Http only: a server with `tls` is checked over TLS, as its pool's
  // connections are made (the same verification and SNI); null = plain.
  std::shared_ptr<const tls::PoolTls> tls;
  std::string server_name;  // with `tls`: the server's name in its pool

  bool operator==(const CheckParams&) const = default;
};

}  // namespace tandem::health
