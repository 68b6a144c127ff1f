#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "daemon/replication/admin_decisions.h"
#include "daemon/replication/node_origins.h"

using tandem::replication::AdminDecision;
using tandem::replication::AdminDecisions;
using tandem::replication::NodeOrigins;
using tandem::runtime::AdminState;

namespace {

AdminDecision remote(const char* origin, uint64_t stamp, AdminState state) {
  AdminDecision d;
  d.pool = "app";
  d.server = "be1";
  d.state = state;
  d.stamp_ms = stamp;
  d.origin = origin;
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_decisions)

BOOST_AUTO_TEST_CASE(local_decisions_are_numbered_and_keep_the_other_half) {
  AdminDecisions t("lb-a");
  t.set_weight("app", "be1", 7, 1000);
  const AdminDecision& d = t.set_state("app", "be1", AdminState::Drain, 1001);
  BOOST_TEST(d.weight.value_or(-1) == 7);  // a drain keeps the earlier weight
  BOOST_TEST((d.state == AdminState::Drain));
  BOOST_TEST(d.origin == "lb-a");
  BOOST_TEST(d.seq == 2u);
  BOOST_TEST(t.last_seq() == 2u);
  BOOST_TEST(t.changes_since(0).size() == 1u);  // one entry per server: coalesced
  BOOST_TEST(t.changes_since(2).empty());
}

BOOST_AUTO_TEST_CASE(newer_remote_wins_older_loses_ties_by_origin) {
  AdminDecisions t("lb-a");
  t.set_state("app", "be1", AdminState::Disabled, 5000);
  BOOST_TEST(!t.apply_remote(remote("lb-b", 4999, AdminState::Enabled)));
  BOOST_TEST((t.find("app", "be1")->state == AdminState::Disabled));
  BOOST_TEST(t.apply_remote(remote("lb-b", 5000, AdminState::Enabled)));  // same ms: "lb-b" > "lb-a"
  BOOST_TEST((t.find("app", "be1")->state == AdminState::Enabled));
  BOOST_TEST(!t.apply_remote(remote("lb-a", 5000, AdminState::Drain)));  // same ms, smaller origin
  BOOST_TEST(t.apply_remote(remote("lb-b", 6000, AdminState::Drain)));
  // Decisions from the peer are not local changes: never sent back.
  BOOST_TEST(t.changes_since(1).empty());
}

BOOST_AUTO_TEST_CASE(a_local_decision_is_newer_than_what_it_replaces_even_if_the_clock_is_behind) {
  AdminDecisions t("lb-a");
  BOOST_TEST(t.apply_remote(remote("lb-b", 9000, AdminState::Disabled)));
  const AdminDecision& d = t.set_state("app", "be1", AdminState::Enabled, 8000);  // our clock is behind
  BOOST_TEST(d.stamp_ms == 9001u);
  BOOST_TEST(!t.apply_remote(remote("lb-b", 9000, AdminState::Disabled)));  // the old one does not come back
}

BOOST_AUTO_TEST_CASE(origins_sort_as_the_names_do) {
  NodeOrigins o("lb-b");
  BOOST_TEST(o.id_of("lb-b") == NodeOrigins::kLocal);
  BOOST_TEST(o.id_of("lb-a") < NodeOrigins::kLocal);
  BOOST_TEST(o.id_of("lb-c") > NodeOrigins::kLocal);
  BOOST_TEST(o.name_of(o.id_of("lb-a")) == "lb-a");
  BOOST_TEST(o.name_of(o.id_of("lb-c")) == "lb-c");
  BOOST_TEST(o.name_of(NodeOrigins::kLocal) == "lb-b");
  BOOST_TEST(o.name_of(0) == "lb-b");  // written before any peer was known
  // Unsigned byte order, as memcmp (docs/sync.md): 0xC3 sorts above 'z'.
  BOOST_TEST(o.id_of("\xC3\xA9") == NodeOrigins::kAbove);
}

BOOST_AUTO_TEST_SUITE_END()
