#pragma once
// The sync channel of one node, as the daemon runs it: the link to the peer
// (link.h: TCP + TLS with the pre-shared key, reconnecting by itself), the
// replication protocol over it (channel.h), and the timer that drives the
// protocol (batches every batch_delay, heartbeats, timeouts) while the link
// is up. The daemon gives it the Replica (its tables) and asks it for status
// and for "wait until the peer holds everything" before a failover.
//
// Threading: the daemon's main loop; every method on that thread.

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/ev_watch.h"
#include "base/result.h"
#include "sync/channel.h"
#include "sync/link.h"
#include "sync/replica.h"

namespace tandem::sync {

struct ServiceOptions {
  LinkOptions link;
  ChannelOptions channel;  // its batch_delay is the tick period
};

class Service {
 public:
  // `replica` and `clock` must outlive the service.
  Service(struct ev_loop* loop, const base::Clock& clock, Replica& replica, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Binds the sync address and starts connecting. An error: the daemon cannot run.
  base::Status start();

  // Says GOODBYE (shutdown) and closes; no reconnection after it.
  void stop();

  // Closes the connection so that a new one starts with HELLO and a full
  // snapshot (after a reload changed what the fingerprints cover).
  void resync(const std::string& why);

  // Calls `done(true, …)` once the peer acknowledged every change made so
  // far, or `done(false, why)` after `timeout` or when the link is down.
  void when_synced(base::Millis timeout, std::function<void(bool ok, const std::string& why)> done);

  const Link& link() const { return *link_; }
  const Channel& channel() const { return channel_; }

 private:
  void on_tick(int revents);

  class LinkTransport;

  const base::Clock& clock_;
  std::unique_ptr<LinkTransport> transport_;  // before channel_ and link_: both use it
  Channel channel_;
  std::unique_ptr<Link> link_;
  base::TimerWatcher tick_;
  const double batch_delay_s_;
};

}  // namespace tandem::sync
