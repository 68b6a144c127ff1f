#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "conf/config.h"
#include "daemon/replication/daemon_replica.h"

using namespace tandem;
using namespace std::chrono_literals;

namespace {

// One node's replicated state, as the daemon wires it (daemon_sync.cc).
struct Node {
  explicit Node(const std::string& name)
      : config(load()),
        origins(name),
        admin(name),
        ticket_keys(std::make_shared<tls::TicketKeys>(clock)),
        connections(clock, 1),
        peer_connections(clock) {
    connections.set_change_log_capacity(64);
    tables::StickyOptions so;
    so.node_id = replication::NodeOrigins::kLocal;
    sticky["app"] = std::make_shared<tables::StickyTable>(clock, so);
    tables::SourceLimitsOptions lo;
    lo.request_rate = 10;
    lo.node_id = replication::NodeOrigins::kLocal;
    limits["web"] = std::make_shared<tables::SourceLimits>(clock, lo);
    replication::ReplicaSources s;
    s.clock = &clock;
    s.config = [this]() -> const conf::Config& { return config; };
    s.sticky = &sticky;
    s.limits = &limits;
    s.admin = &admin;
    s.origins = &origins;
    s.ticket_keys = ticket_keys;
    s.connections = &connections;
    s.peer_connections = &peer_connections;
    s.admin_applied = [this](const replication::AdminDecision& d) { applied.push_back(d); };
    replica = std::make_unique<replication::DaemonReplica>(std::move(s));
  }

  static conf::Config load() {
    auto r = conf::load_config_string(
        "[frontend:web]\nbind = 127.0.0.1:8080\nmode = http\npool = app\nlimit_request_rate = 10\n"
        "[pool:app]\nhealth = none\nsticky = source\nserver = be1 10.0.0.1:80\nserver = be2 10.0.0.2:80\n",
        "t.ini", conf::LoadOptions{false});
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? "" : r.errors[0].to_string()));
    return *r.config;
  }

  // Everything a new feed sends: the snapshot, then what follows now.
  std::vector<sync::Record> drain(sync::ChangeFeed& feed) {
    std::vector<sync::Record> out;
    for (int i = 0; i < 100 && (feed.pull(1000, &out) > 0 || feed.in_snapshot()); ++i) {}
    return out;
  }

  base::FakeClock clock;
  conf::Config config;
  replication::NodeOrigins origins;
  replication::AdminDecisions admin;
  replication::StickyTables sticky;
  replication::LimitTables limits;
  std::shared_ptr<tls::TicketKeys> ticket_keys;
  tables::ConnectionTable connections;
  replication::PeerConnections peer_connections;
  std::vector<replication::AdminDecision> applied;
  std::unique_ptr<replication::DaemonReplica> replica;
};

const std::string kClient("\x0a\x00\x00\x07", 4);

template <typename T>
size_t count_of(const std::vector<sync::Record>& records) {
  size_t n = 0;
  for (const auto& r : records) n += std::holds_alternative<T>(r.data) ? 1 : 0;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_replica)

BOOST_AUTO_TEST_CASE(the_snapshot_holds_every_table_then_local_changes_follow) {
  Node a("lb-a");
  a.sticky["app"]->store(kClient, "be2");
  a.admin.set_state("app", "be1", runtime::AdminState::Drain, 1000);
  a.limits["web"]->admit_request(kClient);
  auto feed = a.replica->open_feed();
  auto snapshot = a.drain(*feed);
  BOOST_TEST(!feed->in_snapshot());
  BOOST_TEST(count_of<sync::StickySourceRecord>(snapshot) == 1u);
  BOOST_TEST(count_of<sync::AdminRecord>(snapshot) == 1u);
  BOOST_TEST(count_of<sync::RateLimitRecord>(snapshot) == 1u);
  BOOST_TEST(count_of<sync::TicketKeyRecord>(snapshot) == 1u);
  for (const auto& r : snapshot) BOOST_TEST(r.origin == "lb-a");
  std::vector<sync::Record> none;
  BOOST_TEST(feed->pull(1000, &none) == 0u);
  // A later local change is the next thing the feed gives.
  a.sticky["app"]->store(std::string("\x0a\x00\x00\x08", 4), "be1");
  std::vector<sync::Record> next;
  BOOST_TEST(feed->pull(1000, &next) == 1u);
  BOOST_TEST(count_of<sync::StickySourceRecord>(next) == 1u);
}

BOOST_AUTO_TEST_CASE(the_peer_applies_it_and_never_sends_it_back) {
  Node a("lb-a");
  Node b("lb-b");
  a.sticky["app"]->store(kClient, "be2");
  a.admin.set_state("app", "be1", runtime::AdminState::Drain, 1000);
  for (int i = 0; i < 20; ++i) a.limits["web"]->admit_request(kClient);
  auto b_feed = b.replica->open_feed();
  b.drain(*b_feed);  // b's snapshot (its own ticket key) is out of the way
  auto a_feed = a.replica->open_feed();
  for (const auto& r : a.drain(*a_feed)) BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Applied));
  BOOST_TEST(b.sticky["app"]->lookup(kClient).value_or("") == "be2");
  BOOST_REQUIRE(b.applied.size() == 1u);
  BOOST_TEST((b.applied[0].state == runtime::AdminState::Drain));
  BOOST_TEST(b.applied[0].origin == "lb-a");
  BOOST_TEST(!b.limits["web"]->admit_request(kClient));  // still limited on b
  BOOST_TEST(b.ticket_keys->size() == 2u);
  // b's feed sends b's own change (the refused request) but none of a's entries.
  std::vector<sync::Record> back;
  b_feed->pull(1000, &back);
  BOOST_TEST(count_of<sync::StickySourceRecord>(back) == 0u);
  BOOST_TEST(count_of<sync::AdminRecord>(back) == 0u);
  BOOST_TEST(count_of<sync::TicketKeyRecord>(back) == 0u);
  for (const auto& r : back) BOOST_TEST(r.origin == "lb-b");
  // A record applied twice is stale the second time.
  auto again = a.replica->open_feed();
  auto records = a.drain(*again);
  BOOST_TEST((b.replica->apply(records[0]) == sync::ApplyResult::Stale));
}

BOOST_AUTO_TEST_CASE(records_naming_what_this_node_lacks_are_refused) {
  Node b("lb-b");
  sync::Record r;
  r.origin = "lb-a";
  r.stamp_ms = 1;
  r.data = sync::StickySourceRecord{"app", kClient, "be9", 1000};
  BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Refused));  // no server be9
  r.data = sync::StickySourceRecord{"other", kClient, "be1", 1000};
  BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Refused));  // no pool
  r.data = sync::StickyLearnedRecord{"app", "cookie", "be1", 1000};
  BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Refused));  // app is sticky = source
  r.data = sync::AdminRecord{"app", "be1", sync::AdminState::Disabled, uint16_t{5000}};
  BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Refused));  // weight over 1000
  r.data = sync::RateLimitRecord{"api", kClient, 0, 0, 0};
  BOOST_TEST((b.replica->apply(r) == sync::ApplyResult::Refused));  // no frontend api
  BOOST_TEST(b.applied.empty());
}

// The peer's connections: open, server chosen, closed; a snapshot replaces
// them; entries not refreshed expire.
BOOST_AUTO_TEST_CASE(connections_are_mirrored_apart_and_forgotten_when_gone) {
  Node a("lb-a");
  Node b("lb-b");
  auto feed = a.replica->open_feed();
  a.drain(*feed);
  auto apply_all = [&](std::vector<sync::Record> records) {
    for (const auto& r : records) b.replica->apply(r);
    return records.size();
  };
  auto* c = a.connections.add(0, {*base::SocketAddress::parse("10.0.0.7:50000"), "web", "app"});
  a.connections.set_server(c, "be2");
  std::vector<sync::Record> records;
  feed->pull(100, &records);
  BOOST_TEST(count_of<sync::ConnectionRecord>(records) == 2u);  // added, server changed
  apply_all(records);
  auto held = b.peer_connections.list(10);
  BOOST_REQUIRE(held.size() == 1u);
  BOOST_TEST(held[0].origin == "lb-a");
  BOOST_TEST(held[0].conn.server == "be2");
  BOOST_TEST(held[0].conn.client_port == 50000);
  a.connections.remove(c);
  records.clear();
  feed->pull(100, &records);
  BOOST_REQUIRE(records.size() == 1u);
  BOOST_TEST((records[0].op == sync::Op::Delete));
  apply_all(records);
  BOOST_TEST(b.peer_connections.size() == 0u);
  // A connection the snapshot does not mention is gone when it ends.
  auto* d = a.connections.add(0, {*base::SocketAddress::parse("10.0.0.8:50001"), "web", "app"});
  records.clear();
  feed->pull(100, &records);
  apply_all(records);
  BOOST_TEST(b.peer_connections.size() == 1u);
  a.connections.remove(d);  // its close is lost with the link: a new connection snapshots
  b.replica->peer_snapshot_begin();
  apply_all(a.drain(*a.replica->open_feed()));
  b.replica->peer_snapshot_end();
  BOOST_TEST(b.peer_connections.size() == 0u);
  // Not refreshed for kPeerConnectionMaxAge: forgotten.
  a.connections.add(0, {*base::SocketAddress::parse("10.0.0.9:50002"), "web", "app"});
  records.clear();
  feed->pull(100, &records);
  apply_all(records);
  BOOST_TEST(b.peer_connections.size() == 1u);
  b.clock.advance(replication::kPeerConnectionMaxAge - 1ms);
  BOOST_TEST(b.peer_connections.expire(replication::kPeerConnectionMaxAge) == 0u);
  b.clock.advance(2ms);
  BOOST_TEST(b.peer_connections.expire(replication::kPeerConnectionMaxAge) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
