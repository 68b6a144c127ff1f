#include "daemon/replication/daemon_replica.h"

#include "daemon/replication/change_feed.h"
#include "daemon/replication/fingerprints.h"

namespace tandem::replication {
namespace {

runtime::AdminState local_state(sync::AdminState s) {
  switch (s) {
    case sync::AdminState::Enabled: return runtime::AdminState::Enabled;
    case sync::AdminState::Drain: return runtime::AdminState::Drain;
    case sync::AdminState::Disabled: return runtime::AdminState::Disabled;
  }
  return runtime::AdminState::Enabled;
}

}  // namespace

std::string DaemonReplica::node() const { return sources_.origins->local(); }

sync::Digest DaemonReplica::config_digest() const { return replication::config_digest(sources_.config()); }

std::vector<sync::PoolFingerprint> DaemonReplica::pool_fingerprints() const {
  return replication::pool_fingerprints(sources_.config());
}

std::unique_ptr<sync::ChangeFeed> DaemonReplica::open_feed() { return std::make_unique<ChangeFeed>(sources_); }

uint64_t DaemonReplica::local_version() const {
  // Grows with every local change of any table; a new table (reload) adds one.
  uint64_t v = sources_.admin->last_seq() + sources_.sticky->size();
  if (sources_.ticket_keys) v += sources_.ticket_keys->version();
  if (sources_.connections) {
    // Also moves every refresh period: the feed then sends every connection again.
    v += sources_.connections->last_seq() +
         static_cast<uint64_t>(sources_.clock->now().time_since_epoch() / kConnectionRefresh);
  }
  if (sources_.limits) {
    v += sources_.limits->size();
    for (const auto& [frontend, table] : *sources_.limits) v += table->last_seq();
  }
  for (const auto& [pool, table] : *sources_.sticky) v += table->last_seq();
  return v;
}

void DaemonReplica::peer_snapshot_begin() {
  if (sources_.peer_connections) sources_.peer_connections->snapshot_begin();
}

void DaemonReplica::peer_snapshot_end() {
  if (sources_.peer_connections) sources_.peer_connections->snapshot_end();
}

std::vector<sync::InstanceRole> DaemonReplica::vrrp_roles() const {
  return sources_.vrrp_roles ? sources_.vrrp_roles() : std::vector<sync::InstanceRole>{};
}

sync::ApplyResult DaemonReplica::apply(const sync::Record& record) {
  if (const auto* s = std::get_if<sync::StickySourceRecord>(&record.data))
    return apply_sticky(record, *s, conf::StickyKind::Source, s->client);
  if (const auto* s = std::get_if<sync::StickyLearnedRecord>(&record.data))
    return apply_sticky(record, *s, conf::StickyKind::Learn, s->cookie);
  if (const auto* a = std::get_if<sync::AdminRecord>(&record.data)) return apply_admin(record, *a);
  if (const auto* t = std::get_if<sync::TicketKeyRecord>(&record.data)) return apply_ticket_key(record, *t);
  if (const auto* l = std::get_if<sync::RateLimitRecord>(&record.data)) return apply_rate_limit(record, *l);
  if (std::holds_alternative<sync::ConnectionRecord>(record.data))
    return sources_.peer_connections ? sources_.peer_connections->apply(record) : sync::ApplyResult::Skipped;
  return sync::ApplyResult::Skipped;
}

template <typename StickyRecord>
sync::ApplyResult DaemonReplica::apply_sticky(const sync::Record& record, const StickyRecord& sticky,
                                              conf::StickyKind kind, const std::string& key) {
  // Entries are never deleted remotely: each node expires its own copy.
  if (record.op != sync::Op::Upsert) return sync::ApplyResult::Skipped;
  const conf::PoolConf* pool = sources_.config().find_pool(sticky.pool);
  auto table = sources_.sticky->find(sticky.pool);
  if (pool == nullptr || pool->sticky != kind || table == sources_.sticky->end() ||
      pool->find_server(sticky.server) == nullptr)
    return sync::ApplyResult::Refused;
  tables::StickyEntry entry;
  entry.key = key;
  entry.server = sticky.server;
  entry.remaining_ttl = base::Millis(sticky.remaining_ms);
  entry.updated = from_wall_ms(record.stamp_ms);
  entry.origin = sources_.origins->id_of(record.origin);
  return table->second->apply_remote(entry) ? sync::ApplyResult::Applied : sync::ApplyResult::Stale;
}

sync::ApplyResult DaemonReplica::apply_rate_limit(const sync::Record& record, const sync::RateLimitRecord& l) {
  if (record.op != sync::Op::Upsert) return sync::ApplyResult::Skipped;
  auto table = sources_.limits ? sources_.limits->find(l.frontend) : LimitTables::const_iterator{};
  if (!sources_.limits || table == sources_.limits->end()) return sync::ApplyResult::Refused;
  tables::SourceEntry entry;
  entry.source = l.client;
  entry.connection_tokens = sync::from_millitokens(l.connection_millitokens);
  entry.request_tokens = sync::from_millitokens(l.request_millitokens);
  entry.updated = from_wall_ms(record.stamp_ms);
  entry.origin = sources_.origins->id_of(record.origin);
  return table->second->apply_remote(entry) ? sync::ApplyResult::Applied : sync::ApplyResult::Stale;
}

sync::ApplyResult DaemonReplica::apply_ticket_key(const sync::Record& record, const sync::TicketKeyRecord& t) {
  if (record.op != sync::Op::Upsert) return sync::ApplyResult::Skipped;
  if (!sources_.ticket_keys) return sync::ApplyResult::Skipped;
  sources_.origins->id_of(record.origin);  // remembers the peer's name
  tls::TicketKey key;
  key.name = t.name;
  key.aes = t.aes;
  key.hmac = t.hmac;
  key.created_ms = t.created_ms;
  // The role is not needed: the newest key is the current one on both nodes.
  return sources_.ticket_keys->merge(key) ? sync::ApplyResult::Applied : sync::ApplyResult::Stale;
}

sync::ApplyResult DaemonReplica::apply_admin(const sync::Record& record, const sync::AdminRecord& admin) {
  if (record.op != sync::Op::Upsert) return sync::ApplyResult::Skipped;
  const conf::PoolConf* pool = sources_.config().find_pool(admin.pool);
  // (1000: the largest weight the configuration and `server weight` allow.)
  if (pool == nullptr || pool->find_server(admin.server) == nullptr || admin.weight.value_or(0) > 1000)
    return sync::ApplyResult::Refused;
  AdminDecision d;
  d.pool = admin.pool;
  d.server = admin.server;
  d.state = local_state(admin.state);
  if (admin.weight) d.weight = *admin.weight;
  d.stamp_ms = record.stamp_ms;
  d.origin = record.origin;
  if (!sources_.admin->apply_remote(d)) return sync::ApplyResult::Stale;
  if (sources_.admin_applied) sources_.admin_applied(*sources_.admin->find(d.pool, d.server));
  return sync::ApplyResult::Applied;
}

}  // namespace tandem::replication
