#include "daemon/replication/change_feed.h"

#include <algorithm>
#include <limits>

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

void ChangeFeed::refresh_parts() {
  for (StickyPart& p : parts_) p.seen = false;
  const conf::Config& config = sources_.config();
  for (const auto& [pool, table] : *sources_.sticky) {
    auto it = std::find_if(parts_.begin(), parts_.end(), [&](const StickyPart& p) { return p.table == table; });
    if (it != parts_.end()) {
      it->seen = true;
      continue;
    }
    const conf::PoolConf* conf = config.find_pool(pool);
    StickyPart part;
    part.pool = pool;
    part.table = table;
    part.learned = conf != nullptr && conf->sticky == conf::StickyKind::Learn;
    part.seen = true;
    parts_.push_back(std::move(part));
  }
  std::erase_if(parts_, [](const StickyPart& p) { return !p.seen; });
}

size_t ChangeFeed::pull(size_t limit, std::vector<sync::Record>* out) {
  refresh_parts();
  size_t added = pull_admin(limit, out) + pull_ticket_keys(out);
  for (StickyPart& part : parts_) {
    if (added >= limit) break;
    added += pull_sticky(part, limit - added, out);
  }
  // The snapshot is complete once a pull in it finds nothing more to send.
  if (in_snapshot_ && added == 0) in_snapshot_ = false;
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

size_t ChangeFeed::pull_sticky(StickyPart& part, size_t limit, std::vector<sync::Record>* out) {
  if (!part.whole && part.table->last_seq() == part.cursor) return 0;
  const auto scope = part.whole ? tables::ChangeScope::All : tables::ChangeScope::Local;
  tables::StickyChanges changes = part.table->changes_since(part.cursor, limit, scope);
  part.cursor = changes.cursor;
  if (changes.entries.empty()) {
    part.whole = false;  // every entry was sent: follow local changes from here
    return 0;
  }
  for (const tables::StickyEntry& e : changes.entries) out->push_back(sticky_record(part, e));
  return changes.entries.size();
}

sync::Record ChangeFeed::sticky_record(const StickyPart& part, const tables::StickyEntry& e) const {
  sync::Record r;
  r.op = sync::Op::Upsert;
  r.origin = sources_.origins->name_of(e.origin);
  r.stamp_ms = to_wall_ms(e.updated);
  const auto remaining = static_cast<uint32_t>(
      std::clamp<int64_t>(e.remaining_ttl.count(), 1, std::numeric_limits<uint32_t>::max()));
  if (part.learned) {
    r.data = sync::StickyLearnedRecord{part.pool, e.key, e.server, remaining};
  } else {
    r.data = sync::StickySourceRecord{part.pool, e.key, e.server, remaining};
  }
  return r;
}

}  // namespace tandem::replication
