#define BOOST_TEST_DYN_LINK
#include "sync/channel.h"

#include <boost/test/unit_test.hpp>
#include <chrono>

#include "base/clock.h"
#include "tests/unit/sync/channel_fakes.h"

using namespace tandem;
using namespace tandem::sync;
using namespace tandem::sync::testing;
using std::chrono::milliseconds;

namespace {

Digest digest(uint8_t b) {
  Digest d{};
  d.fill(b);
  return d;
}

template <typename T>
const T& as(const Frame& f) {
  BOOST_TEST_REQUIRE(std::holds_alternative<T>(f), "frame is " << to_string(type_of(f)));
  return std::get<T>(f);
}

std::vector<FrameType> types(const std::vector<Frame>& frames) {
  std::vector<FrameType> t;
  for (const Frame& f : frames) t.push_back(type_of(f));
  return t;
}

// One channel of node lb-a, driven by hand as if lb-b were on the other side.
struct One {
  explicit One(ChannelOptions o = {}) : channel(replica, transport, clock, std::move(o)) {
    replica.pools_ = {{"app", digest(1)}, {"web", digest(2)}};
    replica.digest_ = digest(9);
  }
  base::MonoTime now() const { return clock.now(); }
  void advance(milliseconds d) { clock.advance(d); }
  Hello peer_hello(std::string node = "lb-b") const {
    Hello h;
    h.node = std::move(node);
    h.wall_ms = 1790000000000;
    h.config_digest = digest(9);
    h.pools = {{"app", digest(1)}, {"web", digest(2)}};
    return h;
  }
  // on_up + the peer's HELLO; returns what the channel sent after its HELLO.
  std::vector<Frame> connect() {
    channel.on_up(now());
    transport.take_frames();
    channel.on_frame(peer_hello(), now());
    return transport.take_frames();
  }
  void feed(Frame f) { channel.on_frame(std::move(f), now()); }
  ChannelStatus status() const { return channel.status(now()); }

  base::FakeClock clock;
  FakeReplica replica{"lb-a"};
  FakeTransport transport;
  Channel channel;
};

uint64_t last_ack(const std::vector<Frame>& frames) {
  uint64_t seq = 0;
  bool seen = false;
  for (const Frame& f : frames) {
    if (const auto* a = std::get_if<Ack>(&f)) seq = a->seq, seen = true;
  }
  BOOST_TEST(seen);
  return seq;
}

// Two channels back to back through fake transports.
struct Pair {
  explicit Pair(ChannelOptions o = {})
      : a_chan(a, at, clock, with_peer(o, "lb-b")), b_chan(b, bt, clock, with_peer(o, "lb-a")) {}
  static ChannelOptions with_peer(ChannelOptions o, std::string peer) {
    o.peer_node = std::move(peer);
    return o;
  }
  base::MonoTime now() const { return clock.now(); }
  void up() {
    a_chan.on_up(now());
    b_chan.on_up(now());
  }
  void down() {
    at.buffer.clear();
    bt.buffer.clear();
    a_chan.on_down("cut", now());
    b_chan.on_down("cut", now());
  }
  // Delivers frames both ways and ticks every 10 ms until a round moves
  // nothing. False if it never got quiet.
  bool settle(int rounds = 200) {
    for (int i = 0; i < rounds; ++i) {
      std::vector<Frame> to_b = at.take_frames();
      std::vector<Frame> to_a = bt.take_frames();
      for (Frame& f : to_b) b_chan.on_frame(std::move(f), now());
      for (Frame& f : to_a) a_chan.on_frame(std::move(f), now());
      clock.advance(milliseconds(10));
      a_chan.tick(now());
      b_chan.tick(now());
      if (to_a.empty() && to_b.empty() && at.buffer.empty() && bt.buffer.empty()) return true;
    }
    return false;
  }

  base::FakeClock clock;
  FakeReplica a{"lb-a"};
  FakeReplica b{"lb-b"};
  FakeTransport at;
  FakeTransport bt;
  Channel a_chan;
  Channel b_chan;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(channel)

BOOST_AUTO_TEST_CASE(on_up_sends_hello_and_nothing_else) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.channel.on_up(t.now());
  const auto frames = t.transport.take_frames();
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  const Hello& h = as<Hello>(frames[0]);
  BOOST_TEST(h.node == "lb-a");
  BOOST_TEST(h.min_version == 1);
  BOOST_TEST(h.max_version == 1);
  BOOST_TEST(h.wall_ms == 1790000000000u);  // FakeClock's wall start
  BOOST_TEST((h.config_digest == digest(9)));
  BOOST_TEST((h.pools == t.replica.pools_));
  BOOST_TEST(to_string(t.channel.state()) == std::string("hello"));
  // No snapshot before the peer's HELLO, even over ticks.
  t.advance(milliseconds(500));
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.take_frames().empty());
}

BOOST_AUTO_TEST_CASE(the_peers_hello_starts_the_snapshot) {
  One t;
  for (uint8_t i = 1; i <= 3; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  const auto frames = t.connect();
  BOOST_TEST_REQUIRE(frames.size() == 3u);
  const uint64_t id = as<SnapshotBegin>(frames[0]).snapshot_id;
  const Updates& u = as<Updates>(frames[1]);
  BOOST_TEST(u.first_seq == 1u);
  BOOST_TEST(u.records.size() == 3u);
  BOOST_TEST(as<SnapshotEnd>(frames[2]).snapshot_id == id);
  BOOST_TEST(as<SnapshotEnd>(frames[2]).records == 3u);
  ChannelStatus s = t.status();
  BOOST_TEST(to_string(s.state) == std::string("syncing"));
  BOOST_TEST(s.peer_node == "lb-b");
  BOOST_TEST(s.version == 1);
  BOOST_TEST(s.counters.records_sent == 3u);
  BOOST_TEST(s.counters.snapshots_sent == 1u);
  BOOST_TEST(!s.config_mismatch);
  BOOST_TEST(s.mismatched_pools.empty());
  BOOST_TEST(s.clock_offset_ms == 0);
  // Our snapshot acknowledged and the peer's (empty) received: synced.
  t.feed(Ack{3});
  BOOST_TEST(to_string(t.channel.state()) == std::string("syncing"));
  t.feed(SnapshotBegin{77});
  t.feed(SnapshotEnd{77, 0});
  BOOST_TEST(to_string(t.channel.state()) == std::string("synced"));
  BOOST_TEST(t.replica.snapshot_begins_ == 1);
  BOOST_TEST(t.replica.snapshot_ends_ == 1);
  BOOST_TEST(t.status().counters.snapshots_received == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_snapshot_is_begin_and_end) {
  One t;
  const auto frames = t.connect();
  BOOST_TEST_REQUIRE(frames.size() == 2u);
  BOOST_TEST(as<SnapshotEnd>(frames[1]).records == 0u);
}

BOOST_AUTO_TEST_CASE(a_frame_before_hello_is_a_protocol_error) {
  One t;
  t.channel.on_up(t.now());
  t.feed(Ack{0});
  BOOST_TEST_REQUIRE(t.transport.resets.size() == 1u);
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
  BOOST_TEST(t.transport.resets[0].second.find("before HELLO") != std::string::npos);
  BOOST_TEST(to_string(t.channel.state()) == std::string("down"));
  BOOST_TEST(t.status().counters.resets == 1u);
  BOOST_TEST(t.status().last_error.find("before HELLO") != std::string::npos);
  // The link's own on_down afterwards changes nothing, frames are ignored.
  t.channel.on_down("closed", t.now());
  t.feed(Ack{0});
  BOOST_TEST(t.transport.resets.size() == 1u);
  BOOST_TEST(t.status().last_error.find("before HELLO") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_second_hello_is_a_protocol_error) {
  One t;
  t.connect();
  t.feed(t.peer_hello());
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
}

BOOST_AUTO_TEST_CASE(a_hello_from_ourselves_or_a_stranger_is_not_my_peer) {
  {
    One t;
    t.channel.on_up(t.now());
    t.feed(t.peer_hello("lb-a"));
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::NotMyPeer);
    BOOST_TEST(t.transport.resets[0].second.find("this node itself") != std::string::npos);
  }
  {
    ChannelOptions o;
    o.peer_node = "lb-b";
    One t(o);
    t.channel.on_up(t.now());
    t.feed(t.peer_hello("lb-c"));
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::NotMyPeer);
    BOOST_TEST(t.transport.resets[0].second == "the peer is 'lb-c', this node pairs with 'lb-b'");
    BOOST_TEST(t.transport.take_frames().size() == 1u);  // the HELLO only
  }
}

BOOST_AUTO_TEST_CASE(versions_without_overlap_are_no_common_version) {
  One t;
  t.channel.on_up(t.now());
  Hello h = t.peer_hello();
  h.min_version = 2;
  h.max_version = 3;
  t.feed(h);
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::NoCommonVersion);
  // An overlapping range negotiates 1.
  One u;
  u.channel.on_up(u.now());
  h.min_version = 1;
  u.feed(h);
  BOOST_TEST(u.transport.resets.empty());
  BOOST_TEST(u.status().version == 1);
}

BOOST_AUTO_TEST_CASE(updates_are_applied_counted_and_acked) {
  One t;
  t.connect();
  t.replica.write(sticky("lb-a", 100, "app", 2, "mine"));
  Record unknown;
  unknown.data = UnknownRecord{42, 1, "xyz"};
  t.feed(Updates{1, {sticky("lb-b", 50, "app", 1, "be1"), unknown}});
  BOOST_TEST(last_ack(t.transport.take_frames()) == 2u);
  t.feed(Updates{3, {sticky("lb-b", 50, "app", 2, "theirs"), sticky("lb-b", 200, "app", 1, "be2")}});
  BOOST_TEST(last_ack(t.transport.take_frames()) == 4u);
  const ChannelStatus s = t.status();
  BOOST_TEST(s.counters.records_received == 4u);
  BOOST_TEST(s.counters.records_applied == 2u);
  BOOST_TEST(s.counters.records_skipped == 1u);
  BOOST_TEST(s.counters.records_stale == 1u);
  BOOST_TEST(s.received_seq == 4u);
  BOOST_TEST(std::get<StickySourceRecord>(t.replica.get(sticky("", 0, "app", 1, ""))->data).server == "be2");
  BOOST_TEST(std::get<StickySourceRecord>(t.replica.get(sticky("", 0, "app", 2, ""))->data).server == "mine");
}

BOOST_AUTO_TEST_CASE(a_sequence_gap_or_overlap_is_a_protocol_error) {
  {
    One t;
    t.connect();
    t.feed(Updates{2, {sticky("lb-b", 1, "app", 1, "be1")}});
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
    BOOST_TEST(t.transport.resets[0].second.find("a gap") != std::string::npos);
    BOOST_TEST(t.replica.applied_.empty());
  }
  {
    One t;
    t.connect();
    t.feed(Updates{1, {sticky("lb-b", 1, "app", 1, "be1"), sticky("lb-b", 1, "app", 2, "be1")}});
    t.feed(Updates{2, {sticky("lb-b", 1, "app", 3, "be1")}});
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
    BOOST_TEST(t.transport.resets[0].second.find("an overlap") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(snapshot_frames_are_checked) {
  {
    One t;  // count mismatch
    t.connect();
    t.feed(SnapshotBegin{5});
    t.feed(Updates{1, {sticky("lb-b", 1, "app", 1, "be1")}});
    t.feed(SnapshotEnd{5, 2});
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
    BOOST_TEST(t.transport.resets[0].second == "SNAPSHOT_END counts 2 records, 1 were received");
  }
  {
    One t;  // id mismatch
    t.connect();
    t.feed(SnapshotBegin{5});
    t.feed(SnapshotEnd{6, 0});
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
  }
  {
    One t;  // end without begin, begin inside begin
    t.connect();
    t.feed(SnapshotEnd{6, 0});
    BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
    One u;
    u.connect();
    u.feed(SnapshotBegin{5});
    u.feed(SnapshotBegin{6});
    BOOST_TEST(u.transport.last_reset() == GoodbyeReason::ProtocolError);
  }
}

BOOST_AUTO_TEST_CASE(acks_drive_the_lag_to_zero) {
  One t;
  for (uint8_t i = 1; i <= 3; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  t.connect();
  BOOST_TEST(t.status().lag_records == 3u);
  t.advance(milliseconds(250));
  BOOST_TEST(t.status().lag_age.count() == 250);
  t.replica.write(sticky("lb-a", 6, "app", 4, "be1"));
  t.channel.tick(t.now());
  t.advance(milliseconds(50));
  t.feed(Ack{2});
  BOOST_TEST(t.status().lag_records == 2u);
  BOOST_TEST(t.status().lag_age.count() == 300);  // record 3 went out with the snapshot
  t.feed(Ack{3});
  BOOST_TEST(t.status().lag_records == 1u);
  BOOST_TEST(t.status().lag_age.count() == 50);   // record 4 went out 50 ms ago
  t.feed(Ack{4});
  BOOST_TEST(t.status().lag_records == 0u);
  BOOST_TEST(t.status().lag_age.count() == 0);
  BOOST_TEST(t.status().acked_seq == 4u);
  t.feed(Ack{4});  // the same again is fine
  BOOST_TEST(t.transport.resets.empty());
  t.feed(Ack{3});
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
  BOOST_TEST(t.transport.resets[0].second.find("backwards") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_ack_beyond_what_was_sent_is_a_protocol_error) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.connect();
  t.feed(Ack{2});
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::ProtocolError);
  BOOST_TEST(t.transport.resets[0].second.find("beyond") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(increments_follow_local_changes_in_ticks_coalesced) {
  One t;
  t.connect();
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.take_frames().empty());  // nothing changed
  t.replica.write(sticky("lb-a", 10, "app", 1, "be1"));
  t.replica.write(sticky("lb-a", 11, "app", 1, "be2"));  // the same entry again
  t.replica.write(sticky("lb-a", 12, "app", 2, "be1"));
  t.channel.tick(t.now());
  const auto frames = t.transport.take_frames();
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  const Updates& u = as<Updates>(frames[0]);
  BOOST_TEST(u.first_seq == 1u);
  BOOST_TEST_REQUIRE(u.records.size() == 2u);
  BOOST_TEST(std::get<StickySourceRecord>(u.records[0].data).server == "be2");
}

BOOST_AUTO_TEST_CASE(batches_hold_at_most_batch_records_and_number_on) {
  ChannelOptions o;
  o.batch_records = 2;
  One t(o);
  for (uint8_t i = 1; i <= 5; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  const auto frames = t.connect();
  BOOST_TEST_REQUIRE(frames.size() == 5u);  // BEGIN, 2 + 2 + 1, END
  uint64_t next = 1;
  for (size_t i = 1; i <= 3; ++i) {
    const Updates& u = as<Updates>(frames[i]);
    BOOST_TEST(u.first_seq == next);
    BOOST_TEST(u.records.size() <= 2u);
    next += u.records.size();
  }
  BOOST_TEST(next == 6u);
  BOOST_TEST(as<SnapshotEnd>(frames[4]).records == 5u);
}

BOOST_AUTO_TEST_CASE(large_batches_are_cut_at_the_target_payload) {
  ChannelOptions o;
  o.frame_payload = 100;  // about two sticky records
  One t(o);
  for (uint8_t i = 1; i <= 6; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  const auto frames = t.connect();
  BOOST_TEST(frames.size() > 3u);
  uint64_t next = 1;
  for (const Frame& f : frames) {
    if (const auto* u = std::get_if<Updates>(&f)) {
      BOOST_TEST(u->first_seq == next);
      next += u->records.size();
    }
  }
  BOOST_TEST(next == 7u);
}

// A backlog is sent over several ticks (batches_per_tick), so one tick never
// keeps the loop busy for long; heartbeats still go out in between.
BOOST_AUTO_TEST_CASE(a_backlog_is_sent_a_few_batches_per_tick) {
  ChannelOptions o;
  o.batch_records = 2;
  o.batches_per_tick = 3;
  One t(o);
  t.channel.on_up(t.now());
  t.transport.take_frames();
  t.feed(t.peer_hello());
  t.transport.take_frames();  // the (empty) snapshot
  for (uint8_t i = 1; i <= 20; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  size_t ticks = 0;
  uint64_t received = 0;
  for (; ticks < 50 && received < 20; ++ticks) {
    t.channel.tick(t.now());
    uint64_t this_tick = 0;
    for (const Frame& f : t.transport.take_frames())
      if (const auto* u = std::get_if<Updates>(&f)) this_tick += u->records.size();
    BOOST_TEST(this_tick <= 6u);  // 3 batches of 2
    received += this_tick;
  }
  BOOST_TEST(received == 20u);
  BOOST_TEST(ticks == 4u);  // 6 + 6 + 6 + 2
}

BOOST_AUTO_TEST_CASE(no_pull_while_the_queue_is_over_the_bound) {
  ChannelOptions o;
  o.batch_records = 1;
  o.max_in_flight_bytes = 1000;
  One t(o);
  for (uint8_t i = 1; i <= 100; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  t.channel.on_up(t.now());
  t.transport.take_frames();
  t.transport.extra_queued = 5000;
  t.feed(t.peer_hello());
  // SNAPSHOT_BEGIN only: the feed is not read while the queue is full.
  BOOST_TEST(types(t.transport.take_frames()) == std::vector<FrameType>{FrameType::SnapshotBegin});
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.take_frames().empty());
  // The queue drains: each tick sends until just over the bound.
  t.transport.extra_queued = 0;
  uint64_t received = 0;
  bool ended = false;
  for (int i = 0; i < 100 && !ended; ++i) {
    t.channel.tick(t.now());
    BOOST_TEST(t.transport.buffer.size() <= 1000u + 200u);  // the bound plus one batch
    for (const Frame& f : t.transport.take_frames()) {
      if (const auto* u = std::get_if<Updates>(&f)) received += u->records.size();
      if (std::holds_alternative<SnapshotEnd>(f)) ended = true;
    }
  }
  BOOST_TEST(ended);
  BOOST_TEST(received == 100u);
  BOOST_TEST(t.transport.resets.empty());
}

BOOST_AUTO_TEST_CASE(a_refused_send_resets_overloaded) {
  One t;
  t.connect();
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.transport.refuse = true;
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::Overloaded);
  BOOST_TEST(to_string(t.channel.state()) == std::string("down"));
}

BOOST_AUTO_TEST_CASE(heartbeats_carry_the_vrrp_roles) {
  One t;
  t.replica.roles_ = {{"default", VrrpRole::Master}};
  t.connect();
  t.advance(milliseconds(999));
  t.feed(Ack{0});  // keeps the peer alive
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.take_frames().empty());
  t.advance(milliseconds(1));
  t.channel.tick(t.now());
  auto frames = t.transport.take_frames();
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  const Heartbeat& h = as<Heartbeat>(frames[0]);
  BOOST_TEST(h.wall_ms == 1790000001000u);
  BOOST_TEST((h.instances == t.replica.roles_));
  t.advance(milliseconds(500));
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.take_frames().empty());
}

BOOST_AUTO_TEST_CASE(silence_for_peer_timeout_resets_timeout) {
  One t;
  t.connect();
  for (int i = 0; i < 5; ++i) {  // frames keep it alive
    t.advance(milliseconds(2000));
    t.feed(Heartbeat{1790000000000, {}});
    t.channel.tick(t.now());
  }
  BOOST_TEST(t.transport.resets.empty());
  t.advance(milliseconds(2999));
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.resets.empty());
  t.advance(milliseconds(1));
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::Timeout);
  BOOST_TEST(t.status().last_error.find("3000 ms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_silent_peer_times_out_before_hello_too) {
  One t;
  t.channel.on_up(t.now());
  t.advance(milliseconds(3000));
  t.channel.tick(t.now());
  BOOST_TEST(t.transport.last_reset() == GoodbyeReason::Timeout);
}

BOOST_AUTO_TEST_CASE(split_brain_starts_and_ends_with_heartbeats) {
  One t;
  t.replica.roles_ = {{"default", VrrpRole::Master}, {"v6", VrrpRole::Backup}, {"x", VrrpRole::Master}};
  t.connect();
  t.feed(Heartbeat{1790000000500, {{"default", VrrpRole::Master}, {"v6", VrrpRole::Master}, {"x", VrrpRole::Backup}}});
  ChannelStatus s = t.status();
  BOOST_TEST(s.split_brain);
  BOOST_TEST(s.split_brain_instances == std::vector<std::string>{"default"});
  BOOST_TEST(s.clock_offset_ms == 500);
  t.feed(Heartbeat{1790000000000, {{"default", VrrpRole::Backup}}});
  BOOST_TEST(!t.status().split_brain);
  BOOST_TEST(t.status().split_brain_instances.empty());
  t.feed(Heartbeat{1790000000000, {{"x", VrrpRole::Master}}});
  BOOST_TEST(t.status().split_brain);
  t.channel.on_down("cut", t.now());
  BOOST_TEST(!t.status().split_brain);
}

BOOST_AUTO_TEST_CASE(a_goodbye_is_kept_as_the_last_error) {
  One t;
  t.connect();
  t.feed(Goodbye{GoodbyeReason::Shutdown, "stopping"});
  BOOST_TEST(t.transport.resets.empty());
  t.channel.on_down("connection closed", t.now());
  BOOST_TEST(t.status().last_error == "peer said goodbye: shutdown (1): stopping (connection closed)");
  // A GOODBYE before the peer's HELLO is accepted too (not an error).
  t.channel.on_up(t.now());
  t.feed(Goodbye{GoodbyeReason::NotMyPeer, "who?"});
  BOOST_TEST(t.transport.resets.empty());
}

BOOST_AUTO_TEST_CASE(mismatched_pools_are_neither_sent_nor_applied) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.replica.write(sticky("lb-a", 5, "web", 1, "be1"));
  t.replica.write(admin("lb-a", 5, "web", "be1", AdminState::Drain));
  t.channel.on_up(t.now());
  t.transport.take_frames();
  Hello h = t.peer_hello();
  h.config_digest = digest(8);
  h.pools = {{"app", digest(1)}, {"web", digest(3)}, {"extra", digest(4)}};
  t.feed(h);
  const auto frames = t.transport.take_frames();
  BOOST_TEST_REQUIRE(frames.size() == 3u);
  const Updates& u = as<Updates>(frames[1]);
  BOOST_TEST_REQUIRE(u.records.size() == 1u);
  BOOST_TEST(std::get<StickySourceRecord>(u.records[0].data).pool == "app");
  BOOST_TEST(as<SnapshotEnd>(frames[2]).records == 1u);
  t.feed(Updates{1, {sticky("lb-b", 9, "web", 2, "be1"), sticky("lb-b", 9, "extra", 2, "be1"),
                     sticky("lb-b", 9, "app", 2, "be1")}});
  BOOST_TEST(last_ack(t.transport.take_frames()) == 3u);
  BOOST_TEST(t.replica.applied_.size() == 1u);
  const ChannelStatus s = t.status();
  BOOST_TEST(s.config_mismatch);
  BOOST_TEST(s.mismatched_pools == (std::vector<std::string>{"extra", "web"}));
  BOOST_TEST(s.counters.records_withheld == 2u);
  BOOST_TEST(s.counters.records_refused == 2u);
  BOOST_TEST(s.counters.records_applied == 1u);
  BOOST_TEST(t.transport.resets.empty());
}

BOOST_AUTO_TEST_CASE(refused_by_the_replica_is_counted) {
  One t;
  t.replica.known_pools_ = {"app"};
  t.connect();
  t.feed(Updates{1, {sticky("lb-b", 9, "nosuch", 2, "be1")}});
  BOOST_TEST(t.status().counters.records_refused == 1u);
  BOOST_TEST(last_ack(t.transport.take_frames()) == 1u);
}

BOOST_AUTO_TEST_CASE(when_synced_fails_at_once_without_a_hello_exchange) {
  One t;
  int calls = 0;
  std::string why;
  auto cb = [&](bool ok, const std::string& w) {
    ++calls;
    BOOST_TEST(!ok);
    why = w;
  };
  t.channel.when_synced(t.now() + milliseconds(100), cb, t.now());
  BOOST_TEST(calls == 1);
  BOOST_TEST(why == "the sync link is down");
  t.channel.on_up(t.now());
  t.channel.when_synced(t.now() + milliseconds(100), cb, t.now());
  BOOST_TEST(calls == 2);
  BOOST_TEST(why == "the peer has not said hello yet");
}

BOOST_AUTO_TEST_CASE(when_synced_waits_for_the_ack_of_everything_pending) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.connect();  // seq 1 sent
  t.replica.write(sticky("lb-a", 6, "app", 2, "be1"));  // pending, not pulled yet
  std::vector<std::pair<bool, std::string>> results;
  auto cb = [&](bool ok, const std::string& why) { results.emplace_back(ok, why); };
  t.channel.when_synced(t.now() + milliseconds(500), cb, t.now());
  t.channel.when_synced(t.now() + milliseconds(500), cb, t.now());  // two waiters
  // The pending change was flushed at once.
  const auto frames = t.transport.take_frames();
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  BOOST_TEST(as<Updates>(frames[0]).first_seq == 2u);
  t.feed(Ack{1});
  BOOST_TEST(results.empty());
  t.feed(Ack{2});
  BOOST_TEST_REQUIRE(results.size() == 2u);
  BOOST_TEST(results[0].first);
  BOOST_TEST(results[1].first);
  // Nothing pending: true at once once everything is acknowledged.
  t.channel.when_synced(t.now() + milliseconds(500), cb, t.now());
  BOOST_TEST(results.size() == 3u);
}

BOOST_AUTO_TEST_CASE(when_synced_fails_at_the_deadline_or_on_down) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.connect();
  std::vector<std::string> whys;
  auto cb = [&](bool ok, const std::string& why) {
    BOOST_TEST(!ok);
    whys.push_back(why);
  };
  t.channel.when_synced(t.now() + milliseconds(100), cb, t.now());
  t.channel.when_synced(t.now() + milliseconds(1000), cb, t.now());
  t.advance(milliseconds(99));
  t.channel.tick(t.now());
  BOOST_TEST(whys.empty());
  t.advance(milliseconds(1));
  t.channel.tick(t.now());
  BOOST_TEST_REQUIRE(whys.size() == 1u);
  BOOST_TEST(whys[0] == "deadline: the peer has not acknowledged 1 records");
  t.channel.on_down("cut", t.now());
  BOOST_TEST_REQUIRE(whys.size() == 2u);
  BOOST_TEST(whys[1] == "link down: cut");
}

BOOST_AUTO_TEST_CASE(when_synced_keeps_flushing_over_ticks_under_the_bound) {
  ChannelOptions o;
  o.max_in_flight_bytes = 100;
  One t(o);
  t.connect();
  for (uint8_t i = 1; i <= 3; ++i) t.replica.write(sticky("lb-a", 5, "app", i, "be1"));
  t.transport.extra_queued = 1000;
  int ok = 0;
  t.channel.when_synced(t.now() + milliseconds(1000), [&](bool good, const std::string&) { ok += good ? 1 : -100; },
                        t.now());
  BOOST_TEST(t.transport.take_frames().empty());
  t.feed(Ack{0});
  t.channel.tick(t.now());
  BOOST_TEST(ok == 0);
  t.transport.extra_queued = 0;
  t.channel.tick(t.now());
  const uint64_t sent = t.status().sent_seq;
  BOOST_TEST(sent == 3u);
  t.feed(Ack{sent});
  BOOST_TEST(ok == 1);
}

BOOST_AUTO_TEST_CASE(a_transport_reporting_down_inside_reset_is_handled_once) {
  One t;
  t.transport.on_reset = [&] { t.channel.on_down("connection closed", t.now()); };
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.connect();
  std::vector<std::string> whys;
  t.channel.when_synced(t.now() + milliseconds(100), [&](bool, const std::string& why) { whys.push_back(why); },
                        t.now());
  t.feed(Ack{9});
  BOOST_TEST(t.transport.resets.size() == 1u);
  BOOST_TEST_REQUIRE(whys.size() == 1u);
  BOOST_TEST(whys[0].find("link down: protocol error: ACK 9") == 0u);
  BOOST_TEST(t.status().last_error.find("protocol error: ACK 9") == 0u);
  BOOST_TEST(to_string(t.channel.state()) == std::string("down"));
}

BOOST_AUTO_TEST_CASE(waiters_hear_once_when_the_channel_is_destroyed) {
  std::vector<std::string> whys;
  {
    One t;
    t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
    t.connect();
    t.channel.when_synced(t.now() + milliseconds(100), [&](bool, const std::string& why) { whys.push_back(why); },
                          t.now());
  }
  BOOST_TEST(whys == std::vector<std::string>{"the sync channel was destroyed"});
}

BOOST_AUTO_TEST_CASE(an_invalid_record_is_counted_not_sent_and_takes_no_number) {
  One t;
  t.replica.write(sticky("lb-a", 5, "app", 1, "be1"));
  t.replica.write(sticky("lb-a", 5, "app", 2, std::string(300, 'x')));  // server name over 255 bytes
  t.replica.write(sticky("lb-a", 5, "app", 3, "be3"));
  const auto frames = t.connect();
  BOOST_TEST_REQUIRE(frames.size() == 3u);
  BOOST_TEST(as<Updates>(frames[1]).records.size() == 2u);
  BOOST_TEST(as<SnapshotEnd>(frames[2]).records == 2u);
  BOOST_TEST(t.status().counters.records_invalid == 1u);
  BOOST_TEST(t.status().sent_seq == 2u);
}

BOOST_AUTO_TEST_CASE(two_channels_converge_both_ways) {
  Pair p;
  p.a.write(sticky("lb-a", 100, "app", 1, "a1"));
  p.a.write(admin("lb-a", 100, "app", "be1", AdminState::Drain));
  p.b.write(sticky("lb-b", 100, "app", 2, "b2"));
  // The same entry written on both with the same stamp: the greater origin wins.
  p.a.write(sticky("lb-a", 300, "app", 3, "from-a"));
  p.b.write(sticky("lb-b", 300, "app", 3, "from-b"));
  p.up();
  BOOST_TEST_REQUIRE(p.settle());
  BOOST_TEST(to_string(p.a_chan.state()) == std::string("synced"));
  BOOST_TEST(to_string(p.b_chan.state()) == std::string("synced"));
  for (FakeReplica* r : {&p.a, &p.b}) {
    BOOST_TEST(r->entries_.size() == 4u);
    BOOST_TEST(std::get<StickySourceRecord>(r->get(sticky("", 0, "app", 3, ""))->data).server == "from-b");
    BOOST_TEST(std::get<StickySourceRecord>(r->get(sticky("", 0, "app", 1, ""))->data).server == "a1");
    BOOST_TEST(std::get<AdminRecord>(r->get(admin("", 0, "app", "be1", AdminState::Enabled))->data).state ==
               AdminState::Drain);
  }
  // Increments both ways; what B applied from A is not sent back.
  const uint64_t a_received = p.a_chan.status(p.now()).counters.records_received;
  p.a.write(sticky("lb-a", 400, "app", 4, "a4"));
  p.b.write(admin("lb-b", 400, "app", "be1", AdminState::Enabled));
  BOOST_TEST_REQUIRE(p.settle());
  BOOST_TEST(std::get<StickySourceRecord>(p.b.get(sticky("", 0, "app", 4, ""))->data).server == "a4");
  BOOST_TEST(std::get<AdminRecord>(p.a.get(admin("", 0, "app", "be1", AdminState::Drain))->data).state ==
             AdminState::Enabled);
  BOOST_TEST(p.a_chan.status(p.now()).counters.records_received == a_received + 1);  // only B's admin change
  for (Channel* c : {&p.a_chan, &p.b_chan}) {
    const ChannelStatus s = c->status(p.now());
    BOOST_TEST(s.lag_records == 0u);
    BOOST_TEST(s.sent_seq == s.acked_seq);
  }
}

BOOST_AUTO_TEST_CASE(a_reconnect_starts_again_at_seq_1_with_a_new_snapshot) {
  Pair p;
  p.a.write(sticky("lb-a", 100, "app", 1, "a1"));
  p.up();
  BOOST_TEST_REQUIRE(p.settle());
  p.a.write(sticky("lb-a", 200, "app", 2, "a2"));
  p.a_chan.tick(p.now());
  const uint64_t first_id = p.a_chan.status(p.now()).counters.snapshots_sent;
  BOOST_TEST(first_id == 1u);
  p.down();  // the increment was lost on the wire
  BOOST_TEST(to_string(p.a_chan.state()) == std::string("down"));
  BOOST_TEST(p.a_chan.status(p.now()).sent_seq == 0u);
  p.a.write(sticky("lb-a", 300, "app", 3, "a3"));  // while down
  p.up();
  auto hello = p.at.take_frames();
  BOOST_TEST_REQUIRE(hello.size() == 1u);
  p.b_chan.on_frame(std::move(hello[0]), p.now());
  for (Frame& f : p.bt.take_frames()) p.a_chan.on_frame(std::move(f), p.now());
  const auto frames = p.at.take_frames();
  BOOST_TEST_REQUIRE(frames.size() >= 3u);
  as<SnapshotBegin>(frames[0]);
  BOOST_TEST(as<Updates>(frames[1]).first_seq == 1u);
  for (const Frame& f : frames) p.b_chan.on_frame(Frame(f), p.now());
  BOOST_TEST_REQUIRE(p.settle());
  BOOST_TEST(p.b.entries_.size() == 3u);
  BOOST_TEST(p.a_chan.status(p.now()).counters.snapshots_sent == 2u);
  BOOST_TEST(p.b_chan.status(p.now()).counters.snapshots_received == 2u);
  BOOST_TEST(p.b.snapshot_begins_ == 2);
  BOOST_TEST(to_string(p.a_chan.state()) == std::string("synced"));
  BOOST_TEST(p.a_chan.status(p.now()).counters.connections == 2u);
}

BOOST_AUTO_TEST_CASE(mismatched_peer_node_option_between_two_channels) {
  ChannelOptions o;
  Pair p(o);
  // lb-b expects lb-a; a channel named otherwise is refused on both sides.
  FakeReplica c("lb-c");
  FakeTransport ct;
  Channel c_chan(c, ct, p.clock, Pair::with_peer(o, "lb-b"));
  c_chan.on_up(p.now());
  p.b_chan.on_up(p.now());
  for (Frame& f : ct.take_frames()) p.b_chan.on_frame(std::move(f), p.now());
  BOOST_TEST(p.bt.last_reset() == GoodbyeReason::NotMyPeer);
}

BOOST_AUTO_TEST_CASE(state_names) {
  BOOST_TEST(to_string(ChannelState::Down) == std::string("down"));
  BOOST_TEST(to_string(ChannelState::Hello) == std::string("hello"));
  BOOST_TEST(to_string(ChannelState::Syncing) == std::string("syncing"));
  BOOST_TEST(to_string(ChannelState::Synced) == std::string("synced"));
  BOOST_TEST(to_string(ApplyResult::Refused) == std::string("refused"));
}

BOOST_AUTO_TEST_SUITE_END()
