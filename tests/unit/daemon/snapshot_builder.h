#pragma once
// Builds a runtime snapshot by hand for tests of status output: frontends
// and pools with live counter states, no daemon, no sockets.
//
//   SnapshotBuilder b;
//   b.pool("app", {"be1", "be2"});
//   b.frontend("web", conf::Mode::Http, "app", {"api"});   // routes to pool api
//   b.server("app", "be1").slot(0).requests = 5;  (via bump)
//   const runtime::RuntimeSnapshot& s = b.snapshot();

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "daemon/runtime/runtime_snapshot.h"

namespace tandem::testing {

class SnapshotBuilder {
 public:
  // Adds a pool with servers named `servers` (addresses 127.0.0.1:9001…).
  void pool(const std::string& name, const std::vector<std::string>& servers) {
    conf::PoolConf& pc = pool_confs_.emplace_back();
    pc.name = name;
    runtime::PoolRuntime pr;
    pr.conf = &pc;
    for (const auto& s : servers) {
      conf::ServerConf& sc = pc.servers.emplace_back();
      sc.name = s;
      auto address = base::SocketAddress::parse("127.0.0.1:" + std::to_string(9001 + pr.servers.size()));
      pr.servers.push_back(std::make_shared<runtime::ServerState>(name, s, *address, 1, 2));
    }
    snapshot_.pools.push_back(std::move(pr));
  }

  // Adds a frontend sending to `pool` (which must exist) and, for each of
  // `route_pools`, a `route = path /N -> POOL`.
  void frontend(const std::string& name, conf::Mode mode, const std::string& pool,
                const std::vector<std::string>& route_pools = {}) {
    conf::FrontendConf& fc = frontend_confs_.emplace_back();
    fc.name = name;
    fc.mode = mode;
    fc.pool = pool;
    for (const auto& rp : route_pools) {
      conf::RouteConf& r = fc.routes.emplace_back();
      r.kind = conf::RouteConf::Kind::PathPrefix;
      r.value = "/" + rp;
      r.pool = rp;
    }
    runtime::FrontendRuntime fr;
    fr.conf = &fc;
    fr.state = std::make_shared<runtime::FrontendState>(name, 2);
    for (uint32_t p = 0; p < snapshot_.pools.size(); ++p) {
      if (snapshot_.pools[p].conf->name == pool) fr.pool = p;
    }
    snapshot_.frontends.push_back(std::move(fr));
  }

  // The counters of worker 1 (of 2) of a frontend or server, to bump.
  runtime::TrafficSlot& frontend_slot(size_t i) { return snapshot_.frontends[i].state->traffic().slot(1); }
  runtime::TrafficSlot& server_slot(size_t pool, size_t server) {
    return snapshot_.pools[pool].servers[server]->traffic().slot(1);
  }

  runtime::RuntimeSnapshot& snapshot() { return snapshot_; }

 private:
  // deques: the snapshot points into them, so they must not move.
  std::deque<conf::PoolConf> pool_confs_;
  std::deque<conf::FrontendConf> frontend_confs_;
  runtime::RuntimeSnapshot snapshot_;
};

// Sets a slot's HTTP counters: requests, then responses 1xx..5xx, own answers.
inline void set_http(runtime::TrafficSlot& slot, uint64_t requests, std::initializer_list<uint64_t> responses,
                     uint64_t own = 0) {
  slot.requests.store(requests);
  int c = 0;
  for (uint64_t r : responses) slot.responses[c++].store(r);
  slot.own_responses.store(own);
}

}  // namespace tandem::testing
