#pragma once
// The replication protocol of the sync channel (docs/sync.md, section 11),
// as a pure state machine: no sockets, no timers, no libev. Its owner (the
// sync service) feeds it the link's events and a tick every batch_delay;
// it answers by calling Transport::send / reset and Replica::apply.
//
// Per connection: both sides send HELLO; once the peer's HELLO is accepted
// (node, version, fingerprints), each sends SNAPSHOT_BEGIN, its feed's
// snapshot in UPDATES, SNAPSHOT_END, then increments as the feed has them;
// the receiver applies each UPDATES and ACKs it. Nothing is queued inside
// the channel: it pulls from the feed (which reads coalescing tables) only
// while the transport's queue is at most max_in_flight_bytes.
//
// Threading: one thread (the daemon's main loop) calls everything. The
// Replica, Transport and Clock must outlive the Channel. Callbacks given to
// when_synced run on that thread, from inside a Channel method, after the
// channel's state is updated; they may call the channel again.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "sync/channel_status.h"
#include "sync/frames.h"
#include "sync/replica.h"

namespace tandem::sync {

struct ChannelOptions {
  base::Millis heartbeat_interval{1000};  // HEARTBEAT period, once HELLOs are exchanged
  base::Millis peer_timeout{3000};        // nothing received for this long: reset(Timeout)
  base::Millis batch_delay{10};           // the owner's tick period (the channel only reads it for docs/status)
  size_t batch_records = 512;             // records pulled from the feed per batch
  // Batches pulled per tick at most: the rest waits for the next tick, so a
  // large backlog never keeps the loop (heartbeats, handshakes, the proxy's
  // status) busy for long; overload shows as lag, not as a timed-out link.
  size_t batches_per_tick = 16;
  size_t frame_payload = 64 << 10;        // target UPDATES payload (UpdatesWriter), clamped to 1 MiB
  // Do not pull while the transport holds more than this. Must be well below
  // the transport's own limit, which must also take ACKs and HEARTBEATs.
  size_t max_in_flight_bytes = 4 << 20;
  std::string peer_node;                  // expected peer name; "" = any but ours
};

class Channel {
 public:
  // ok: the peer acknowledged everything pulled when when_synced was called.
  // !ok: why not (deadline, link down, not connected).
  using SyncedCallback = std::function<void(bool ok, const std::string& why)>;

  Channel(Replica& replica, Transport& transport, const base::Clock& clock, ChannelOptions options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // A connection to the peer is up (authenticated): sends HELLO. If one was
  // up already, it is treated as gone first (on_down).
  void on_up(base::MonoTime now);
  // One frame from the peer, in order. Protocol violations reset the
  // connection (Transport::reset) and put the channel down.
  void on_frame(Frame&& frame, base::MonoTime now);
  // The connection ended (any reason). Fails when_synced waiters. Ignored
  // when already down (e.g. after the channel reset the connection itself).
  void on_down(const std::string& why, base::MonoTime now);
  // Every batch_delay: pulls and sends UPDATES (several frames while under
  // max_in_flight_bytes), HEARTBEATs, the peer timeout, when_synced deadlines.
  void tick(base::MonoTime now);

  // Flushes everything the feed has now (over as many ticks as the bound
  // needs), then calls cb(true, "") once the peer has acknowledged the last
  // record sent by then. cb(false, why) at `deadline` (checked in tick), on
  // on_down, or at once if no HELLO exchange is complete. Several waiters
  // may wait at once; each is called exactly once (the destructor fails
  // the remaining ones).
  void when_synced(base::MonoTime deadline, SyncedCallback cb, base::MonoTime now);

  // A copy of the state and counters; lag_age is measured at `now`.
  ChannelStatus status(base::MonoTime now) const;
  ChannelState state() const;
  const ChannelOptions& options() const { return options_; }

 private:
  struct Waiter {
    base::MonoTime deadline;
    SyncedCallback cb;
    bool flushing = true;  // still pulling what was pending at the call
    uint64_t target = 0;   // once flushed: the seq the peer must ACK
  };
  struct InFlight {
    uint64_t last_seq;
    base::MonoTime sent;
  };
  using Fired = std::vector<std::pair<SyncedCallback, std::string>>;  // empty string: ok

  // Receiving (channel_receive.cc), per frame type. Each returns false if
  // it reset the connection.
  bool on_hello(const Hello& f, base::MonoTime now);
  bool on_snapshot_begin(const SnapshotBegin& f);
  bool on_snapshot_end(const SnapshotEnd& f);
  bool on_updates(const Updates& f);
  bool on_ack(const Ack& f);
  void on_heartbeat(const Heartbeat& f, base::MonoTime now);
  void on_goodbye(const Goodbye& f);
  ApplyResult apply_one(const Record& r);
  void update_split_brain(std::vector<std::string> instances);

  // Sending. Each returns false if it reset the connection.
  bool send(const std::string& bytes, size_t frames);
  bool start_snapshot();
  // Pulls and sends while the feed has records and the transport's queue
  // is at most max_in_flight_bytes.
  bool pump(base::MonoTime now);
  bool send_batch(const std::vector<Record>& batch, bool snapshot, base::MonoTime now);
  bool end_snapshot();
  bool send_heartbeat(base::MonoTime now);

  // The connection failed on this side: logs, GOODBYE, close, down.
  void fail(GoodbyeReason reason, const std::string& text);
  // Forgets the connection; queues the waiters' failure with `why`.
  void go_down(const std::string& why);
  // Settles waiters (flushed, acknowledged, deadline) and logs a state change.
  void settle(base::MonoTime now);
  // Calls the queued callbacks, once no public call is in progress.
  void fire_pending();
  uint64_t wall_ms() const;
  std::string peer_name() const;

  Replica& replica_;
  Transport& transport_;
  const base::Clock& clock_;
  const ChannelOptions options_;
  base::RateLimitedLog invalid_log_{5, base::Millis(10000)};

  // The current connection (reset by go_down).
  bool up_ = false;
  bool peer_hello_ = false;
  std::vector<PoolFingerprint> our_pools_;  // as sent in our HELLO
  Digest our_digest_{};
  base::MonoTime last_received_{};
  base::MonoTime next_heartbeat_{};
  std::unique_ptr<ChangeFeed> feed_;
  uint64_t seen_version_ = 0;
  bool feed_more_ = true;        // the feed may hold records not pulled yet
  uint64_t next_seq_ = 1;        // ours
  uint64_t snapshot_id_ = 0;
  uint64_t snapshot_records_ = 0;
  bool snapshot_ended_ = false;  // our SNAPSHOT_END sent
  uint64_t snapshot_last_seq_ = 0;
  std::deque<InFlight> in_flight_;
  uint64_t recv_next_seq_ = 1;   // the peer's
  bool peer_snapshot_open_ = false;
  uint64_t peer_snapshot_id_ = 0;
  uint64_t peer_snapshot_records_ = 0;
  bool peer_snapshot_done_ = false;
  std::string peer_goodbye_;      // the peer's GOODBYE, for last_error

  ChannelStatus status_;  // the fields kept as they change
  ChannelState logged_state_ = ChannelState::Down;
  uint64_t last_snapshot_id_ = 0;
  std::vector<Waiter> waiters_;
  Fired to_fire_;
  unsigned depth_ = 0;  // public calls in progress (the transport may re-enter)
};

}  // namespace tandem::sync
