#include "daemon/replication/change_feed.h"

#include <algorithm>
#include <limits>
#include <type_traits>

namespace tandem::replication {
namespace {

sync::AdminState wire_state(runtime::AdminState s) {
  switch (s) {
    case runtime::AdminState::Enabled: return sync::AdminState::Enabled;
    case runtime::AdminState::Drain: return sync::AdminState::Drain;
    case runtime::AdminState::Disabled: return sync::AdminState::Disabled;
  }
  return sync::AdminState::Enabled;
}

sync::Record admin_record(const AdminDecision& d) {
  sync::Record r;
  r.op = sync::Op::Upsert;
  r.origin = d.origin;
  r.stamp_ms = d.stamp_ms;
  sync::AdminRecord a;
  a.pool = d.pool;
  a.server = d.server;
  a.state = wire_state(d.state);
  if (d.weight) a.weight = static_cast<uint16_t>(std::clamp(*d.weight, 0, 0xFFFF));
  r.data = std::move(a);
  return r;
}

}  // namespace

template <typename Table>
void ChangeFeed::refresh(std::vector<Part<Table>>& parts, const std::map<std::string, std::shared_ptr<Table>>& tables) {
  for (Part<Table>& p : parts) p.seen = false;
  for (const auto& [name, table] : tables) {
    auto it = std::find_if(parts.begin(), parts.end(), [&](const Part<Table>& p) { return p.table == table; });
    if (it != parts.end()) {
      it->seen = true;
      continue;
    }
    Part<Table> part;
    part.name = name;
    part.table = table;
    part.seen = true;
    if constexpr (std::is_same_v<Table, tables::StickyTable>) {
      const conf::PoolConf* conf = sources_.config().find_pool(name);
      part.learned = conf != nullptr && conf->sticky == conf::StickyKind::Learn;
    } else {
      table->follow();  // a rate-limit table logs its changes only once followed
    }
    parts.push_back(std::move(part));
  }
  std::erase_if(parts, [](const Part<Table>& p) { return !p.seen; });
}

// Reads one table's changes: all of it while `whole`, then local changes.
template <typename Table, typename Convert>
size_t ChangeFeed::pull_part(Part<Table>& part, size_t limit, std::vector<sync::Record>* out, Convert convert) {
  if (!part.whole && part.table->last_seq() == part.cursor) return 0;
  const auto scope = part.whole ? tables::ChangeScope::All : tables::ChangeScope::Local;
  auto changes = part.table->changes_since(part.cursor, limit, scope);
  part.cursor = changes.cursor;
  if (changes.entries.empty()) {
    part.whole = false;  // every entry was sent: follow local changes from here
    return 0;
  }
  for (const auto& e : changes.entries) out->push_back(convert(part, e));
  return changes.entries.size();
}

sync::Record ChangeFeed::stamped(uint32_t origin, base::WallTime updated) const {
  sync::Record r;
  r.op = sync::Op::Upsert;
  r.origin = sources_.origins->name_of(origin);
  r.stamp_ms = to_wall_ms(updated);
  return r;
}

size_t ChangeFeed::pull(size_t limit, std::vector<sync::Record>* out) {
  refresh(sticky_parts_, *sources_.sticky);
  if (sources_.limits) refresh(limits_parts_, *sources_.limits);
  size_t added = pull_admin(limit, out) + pull_ticket_keys(out);
  if (added < limit) added += pull_connections(limit - added, out);
  const auto sticky = [this](const StickyPart& part, const tables::StickyEntry& e) {
    sync::Record r = stamped(e.origin, e.updated);
    const auto remaining = static_cast<uint32_t>(
        std::clamp<int64_t>(e.remaining_ttl.count(), 1, std::numeric_limits<uint32_t>::max()));
    if (part.learned)
      r.data = sync::StickyLearnedRecord{part.name, e.key, e.server, remaining};
    else
      r.data = sync::StickySourceRecord{part.name, e.key, e.server, remaining};
    return r;
  };
  const auto limits = [this](const LimitsPart& part, const tables::SourceEntry& e) {
    sync::Record r = stamped(e.origin, e.updated);
    r.data = sync::RateLimitRecord{part.name, e.source, sync::to_millitokens(e.connection_tokens),
                                   sync::to_millitokens(e.request_tokens), e.connections};
    return r;
  };
  for (StickyPart& part : sticky_parts_) {
    if (added >= limit) break;
    added += pull_part(part, limit - added, out, sticky);
  }
  for (LimitsPart& part : limits_parts_) {
    if (added >= limit) break;
    added += pull_part(part, limit - added, out, limits);
  }
  // The snapshot is complete once a pull in it finds nothing more to send.
  if (in_snapshot_ && added == 0) in_snapshot_ = false;
  return added;
}

sync::Record ChangeFeed::connection_record(const tables::ConnectionSnapshot& c, sync::Op op, uint64_t stamp_ms) const {
  sync::Record r;
  r.op = op;
  r.origin = sources_.origins->local();
  r.stamp_ms = stamp_ms;
  sync::ConnectionRecord record;
  record.id = c.id;
  if (op == sync::Op::Upsert) {
    record.client = std::string(c.client.address_bytes());
    record.client_port = c.client.port();
    record.frontend = c.frontend;
    record.pool = c.pool;
    record.server = c.server;
    record.started_ms = to_wall_ms(c.started);
    record.bytes_to_server = c.bytes_to_server;
    record.bytes_to_client = c.bytes_to_client;
  }
  r.data = std::move(record);
  return r;
}

size_t ChangeFeed::pull_connections(size_t limit, std::vector<sync::Record>* out) {
  tables::ConnectionTable* table = sources_.connections;
  if (table == nullptr) return 0;
  const base::MonoTime now = sources_.clock->now();
  const uint64_t stamp_ms = to_wall_ms(sources_.clock->wall_now());  // one reading for the whole pull
  if (connections_pending_.empty() && (connections_whole_ || now >= connections_refresh_)) {
    // Changes after this number follow the set taken now.
    connections_cursor_ = table->last_seq();
    for (const auto& c : table->snapshot(SIZE_MAX)) connections_pending_.push_back(connection_record(c, sync::Op::Upsert, stamp_ms));
    std::reverse(connections_pending_.begin(), connections_pending_.end());  // sent from the back
    connections_whole_ = false;
    connections_refresh_ = now + kConnectionRefresh;
  }
  size_t added = 0;
  while (!connections_pending_.empty() && added < limit) {
    out->push_back(std::move(connections_pending_.back()));
    connections_pending_.pop_back();
    ++added;
  }
  if (added >= limit || table->last_seq() == connections_cursor_) return added;
  tables::ConnectionChanges changes = table->changes_since(connections_cursor_, limit - added);
  if (!changes.complete) {
    connections_whole_ = true;  // the log lost changes: send the whole set again
    return added;
  }
  connections_cursor_ = changes.cursor;
  for (const tables::ConnectionChange& c : changes.changes) {
    const bool closed = c.kind == tables::ConnectionChangeKind::Removed;
    out->push_back(connection_record(c.conn, closed ? sync::Op::Delete : sync::Op::Upsert, stamp_ms));
    ++added;
  }
  return added;
}

size_t ChangeFeed::pull_admin(size_t limit, std::vector<sync::Record>* out) {
  const AdminDecisions& admin = *sources_.admin;
  size_t added = 0;
  if (admin_whole_) {
    // Small (one entry per server the operator touched): sent in one go.
    admin_cursor_ = admin.last_seq();
    for (const AdminDecision& d : admin.all()) out->push_back(admin_record(d)), ++added;
    admin_whole_ = false;
    return added;
  }
  if (admin.last_seq() == admin_cursor_) return 0;
  for (const AdminDecision& d : admin.changes_since(admin_cursor_)) {
    if (added >= limit) break;
    out->push_back(admin_record(d));
    admin_cursor_ = d.seq;
    ++added;
  }
  return added;
}

size_t ChangeFeed::pull_ticket_keys(std::vector<sync::Record>* out) {
  tls::TicketKeys* keys = sources_.ticket_keys.get();
  if (keys == nullptr || keys->version() == tickets_version_) return 0;
  tickets_version_ = keys->version();
  size_t added = 0;
  const std::vector<tls::TicketKey> held = keys->keys();  // newest first
  for (size_t i = 0; i < held.size(); ++i) {
    const tls::TicketKey& k = held[i];
    if (!tickets_whole_ && !k.local) continue;  // the peer's own keys: it has them
    if (std::find(tickets_sent_.begin(), tickets_sent_.end(), k.name) != tickets_sent_.end()) continue;
    tickets_sent_.push_back(k.name);
    sync::Record r;
    r.op = sync::Op::Upsert;
    r.origin = k.local ? sources_.origins->local() : sources_.origins->peer();
    r.stamp_ms = k.created_ms;
    r.data = sync::TicketKeyRecord{k.name, k.aes, k.hmac, k.created_ms,
                                   i == 0 ? sync::TicketRole::Current : sync::TicketRole::Previous};
    out->push_back(std::move(r));
    ++added;
  }
  tickets_whole_ = false;
  return added;
}

}  // namespace tandem::replication
