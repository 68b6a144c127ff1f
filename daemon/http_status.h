#pragma once
// What the status socket shows of mode http (docs/status.md, `show http`):
// the HTTP counters of every http frontend and of the servers of the pools
// those frontends send requests to, with request rates from a RateWindow.
// Pure functions over a runtime snapshot, so they are tested without a
// daemon; status_commands.cc wires them to the socket and to a 1 s timer.
//
// Threading: main thread (the snapshot's counters may be read from any
// thread; the RateWindow is the caller's).

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "daemon/runtime/runtime_snapshot.h"
#include "daemon/status/rate_window.h"
#include "daemon/status/table.h"

namespace tandem {

// How often the request counters are sampled, and the span of the rate.
inline constexpr base::Nanos kHttpRateTick = std::chrono::seconds(1);
inline constexpr base::Nanos kHttpRateWindow = std::chrono::seconds(10);

// Indices into snapshot.pools of the pools an http frontend sends requests
// to (its default pool and the pools of its routes), ascending, each once.
std::vector<uint32_t> http_pool_indices(const runtime::RuntimeSnapshot& snapshot);

// The RateWindow keys of a frontend's and of a server's request counter.
std::string frontend_rate_key(const std::string& frontend);
std::string server_rate_key(const std::string& pool, const std::string& server);
std::string pool_rate_key(const std::string& pool);

// One tick of sampling: the request counter of every http frontend, of
// every pool of http_pool_indices() and of each of its servers, at `now`;
// counters no longer there are forgotten.
void sample_http_requests(const runtime::RuntimeSnapshot& snapshot, base::MonoTime now, status::RateWindow& rates);

// `show http`'s first table, one row per http frontend in config order:
// frontend requests req_per_s resp_1xx … resp_5xx own_answers
// (req_per_s is null until the window has a sample at least 1 s old).
status::Table http_frontends_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                                   base::MonoTime now);
// Its second table, one row per pool of http_pool_indices(), the sums over
// its servers: pool requests req_per_s resp_1xx … resp_5xx.
status::Table http_pools_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                               base::MonoTime now);
// Its third table, one row per server of http_pool_indices(), pools in
// config order: pool server requests req_per_s resp_1xx … resp_5xx.
status::Table http_servers_table(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                                 base::MonoTime now);

// The body of `show http`: the three tables as text, separated by empty
// lines (as `show vrrp` does), or with `json` one object
// {"frontends":[...],"pools":[...],"servers":[...]}.
std::string show_http_body(const runtime::RuntimeSnapshot& snapshot, const status::RateWindow& rates,
                           base::MonoTime now, bool json);

}  // namespace tandem
