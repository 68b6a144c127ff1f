#pragma once
// Keeps the live state of servers and frontends across reloads (DESIGN.md:
// "a reload keeps the tables in memory; only the config snapshot changes").
// A server keeps its state — health, operator decisions, counters — while
// its pool, name and address stay the same; a frontend keeps its counters
// while its name stays.
//
// Threading: main thread only. The states themselves are shared with workers
// through snapshots (see server_state.h for who writes what).

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conf/config.h"
#include "daemon/runtime/server_state.h"

namespace tandem::runtime {

class StateRegistry {
 public:
  explicit StateRegistry(unsigned workers) : workers_(workers) {}

  // Makes the registry match `config`: keeps matching states, creates new
  // ones (healthy, enabled, config weight), forgets the rest. A kept server
  // whose configured weight changed takes the new weight; one whose weight
  // was changed at run time and not in the file keeps the run-time weight.
  void reconcile(const conf::Config& config);

  // nullptr if unknown.
  std::shared_ptr<ServerState> server(std::string_view pool, std::string_view name) const;
  std::shared_ptr<FrontendState> frontend(std::string_view name) const;

  unsigned workers() const { return workers_; }

 private:
  struct ServerSlot {
    std::shared_ptr<ServerState> state;
    int config_weight = 0;
  };
  static std::string key(std::string_view pool, std::string_view name);

  unsigned workers_;
  std::map<std::string, ServerSlot, std::less<>> servers_;
  std::map<std::string, std::shared_ptr<FrontendState>, std::less<>> frontends_;
};

}  // namespace tandem::runtime
