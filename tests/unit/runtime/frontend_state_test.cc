#define BOOST_TEST_DYN_LINK
#include "daemon/runtime/server_state.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

using tandem::runtime::FrontendState;

BOOST_AUTO_TEST_SUITE(frontend_state)

// Two workers that both see one place left: the first claim takes it, the
// second is refused until the first connection is counted and ends.
BOOST_AUTO_TEST_CASE(the_last_place_is_claimed_once) {
  FrontendState fe("web", 2);
  BOOST_TEST(fe.claim_connection(1));   // worker 0, before its accept(2)
  BOOST_TEST(!fe.claim_connection(1));  // worker 1, at the same time
  fe.traffic().slot(0).active.store(1);  // worker 0's session counts itself
  fe.release_claim();
  BOOST_TEST(!fe.claim_connection(1));  // full: one active
  fe.traffic().slot(0).active.store(0);  // the connection ended
  BOOST_TEST(fe.claim_connection(1));
  fe.release_claim();
}

BOOST_AUTO_TEST_CASE(without_a_limit_every_claim_is_granted) {
  FrontendState fe("web", 1);
  for (int i = 0; i < 3; ++i) BOOST_TEST(fe.claim_connection(0));
}

// Workers on threads claiming, opening, and closing connections as fast as
// they can: the active connections never pass the limit.
BOOST_AUTO_TEST_CASE(racing_workers_never_pass_the_limit) {
  constexpr int kMax = 3;
  constexpr unsigned kWorkers = 4;
  constexpr int kRounds = 20000;
  FrontendState fe("web", kWorkers);
  std::atomic<int> open{0};
  std::atomic<int> most{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kRounds; ++i) {
        if (!fe.claim_connection(kMax)) continue;
        granted.fetch_add(1);
        int now = open.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        tandem::runtime::bump(fe.traffic().slot(w).active, 1);  // the session's constructor
        fe.release_claim();
        open.fetch_sub(1);  // the session ends
        tandem::runtime::bump(fe.traffic().slot(w).active, -1);
      }
    });
  }
  for (auto& t : workers) t.join();
  BOOST_TEST(most.load() <= kMax);
  BOOST_TEST(granted.load() > 0);
  BOOST_TEST(fe.traffic().active() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
