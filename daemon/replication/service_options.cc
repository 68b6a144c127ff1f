#include "daemon/replication/service_options.h"

namespace tandem::replication {

sync::ServiceOptions service_options(const conf::SyncConf& c) {
  sync::ServiceOptions o;
  o.link.listen = c.listen;
  o.link.peer = c.peer;
  o.link.key = c.key;
  o.channel.heartbeat_interval = c.heartbeat_interval;
  o.channel.peer_timeout = c.peer_timeout;
  o.channel.batch_delay = c.batch_delay;
  o.channel.peer_node = c.peer_node;
  return o;
}

}  // namespace tandem::replication
