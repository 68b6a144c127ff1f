// Record codec (docs/sync.md, "Records"). Each table's layout is written
// once, as a template over FieldWriter (encode, const record) and
// FieldReader (decode, mutable record), so both directions share one
// description and one set of bounds.

#include "sync/records.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace tandem::sync {
namespace {

constexpr bool upsert(Op op) { return op == Op::Upsert; }

constexpr bool is_known_table(uint8_t id) {
  return id >= static_cast<uint8_t>(Table::StickySource) && id <= static_cast<uint8_t>(Table::TicketKey);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, StickySourceRecord> {
  io.string("pool", r.pool, kMaxNameSize, Presence::Required);
  io.address("client", r.client);
  if (!upsert(op)) return;
  io.string("server", r.server, kMaxNameSize, Presence::Required);
  io.u32("remaining_ms", r.remaining_ms);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, StickyLearnedRecord> {
  io.string("pool", r.pool, kMaxNameSize, Presence::Required);
  io.string("cookie", r.cookie, kMaxCookieSize, Presence::Required);
  if (!upsert(op)) return;
  io.string("server", r.server, kMaxNameSize, Presence::Required);
  io.u32("remaining_ms", r.remaining_ms);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, ConnectionRecord> {
  io.u64("id", r.id);
  if (!upsert(op)) return;
  io.address("client", r.client);
  io.u16("client_port", r.client_port);
  io.string("frontend", r.frontend, kMaxNameSize, Presence::Required);
  io.string("pool", r.pool, kMaxNameSize, Presence::Optional);
  io.string("server", r.server, kMaxNameSize, Presence::Optional);
  io.u64("started_ms", r.started_ms);
  io.u64("bytes_to_server", r.bytes_to_server);
  io.u64("bytes_to_client", r.bytes_to_client);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, AdminRecord> {
  io.string("pool", r.pool, kMaxNameSize, Presence::Required);
  io.string("server", r.server, kMaxNameSize, Presence::Required);
  if (!upsert(op)) return;
  io.enum8("state", r.state);
  io.optional_u16("weight", r.weight);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, RateLimitRecord> {
  io.string("frontend", r.frontend, kMaxNameSize, Presence::Required);
  io.address("client", r.client);
  if (!upsert(op)) return;
  io.u64("connection_millitokens", r.connection_millitokens);
  io.u64("request_millitokens", r.request_millitokens);
  io.u32("connections", r.connections);
}

template <typename IO, typename R>
void layout(IO& io, R& r, Op op) requires std::is_same_v<std::remove_const_t<R>, TicketKeyRecord> {
  io.fixed("name", r.name);
  if (!upsert(op)) return;
  io.fixed("aes", r.aes);
  io.fixed("hmac", r.hmac);
  io.u64("created_ms", r.created_ms);
  io.enum8("role", r.role);
}

// The stamp every known body starts with.
template <typename IO, typename R>
void stamp_layout(IO& io, R& r) {
  io.string("origin", r.origin, kMaxNameSize, Presence::Required);
  io.u64("stamp_ms", r.stamp_ms);
}

// Decodes the body of a known table into a fresh T.
template <typename T>
void decode_known(FieldReader& body, Op op, Record* record) {
  T& data = record->data.emplace<T>();
  stamp_layout(body, *record);
  layout(body, data, op);
}

}  // namespace

const char* to_string(Table t) {
  switch (t) {
    case Table::StickySource: return "sticky_source";
    case Table::StickyLearned: return "sticky_learned";
    case Table::Connection: return "connection";
    case Table::Admin: return "admin";
    case Table::RateLimit: return "rate_limit";
    case Table::TicketKey: return "ticket_key";
  }
  return "unknown";
}

const char* to_string(Op op) {
  switch (op) {
    case Op::Upsert: return "upsert";
    case Op::Delete: return "delete";
  }
  return "unknown";
}
bool is_valid(Op op) { return op == Op::Upsert || op == Op::Delete; }

const char* to_string(AdminState s) {
  switch (s) {
    case AdminState::Enabled: return "enabled";
    case AdminState::Drain: return "drain";
    case AdminState::Disabled: return "disabled";
  }
  return "unknown";
}
bool is_valid(AdminState s) { return s == AdminState::Enabled || s == AdminState::Drain || s == AdminState::Disabled; }

const char* to_string(TicketRole r) {
  switch (r) {
    case TicketRole::Current: return "current";
    case TicketRole::Previous: return "previous";
  }
  return "unknown";
}
bool is_valid(TicketRole r) { return r == TicketRole::Current || r == TicketRole::Previous; }

uint8_t Record::table_id() const {
  return std::visit(
      [](const auto& d) -> uint8_t {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, UnknownRecord>) return d.table;
        else return static_cast<uint8_t>(T::kTable);
      },
      data);
}

bool stamp_newer(uint64_t a_ms, std::string_view a_origin, uint64_t b_ms, std::string_view b_origin) {
  if (a_ms != b_ms) return a_ms > b_ms;
  // string_view compares as char_traits<char>, whose order is that of
  // unsigned char (the standard requires it to match memcmp).
  return a_origin.compare(b_origin) > 0;
}

uint64_t to_millitokens(double tokens) {
  if (!(tokens > 0)) return 0;  // also NaN
  const double m = std::round(tokens * 1000.0);
  if (m >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();  // 2^64
  return static_cast<uint64_t>(m);
}

double from_millitokens(uint64_t millitokens) { return static_cast<double>(millitokens) / 1000.0; }

base::Status encode_record(const Record& record, std::string* out) {
  const size_t start = out->size();
  FieldWriter w(out);
  const uint8_t table = record.table_id();
  const auto* unknown = std::get_if<UnknownRecord>(&record.data);
  if (unknown == nullptr && !is_valid(record.op)) {
    w.fail("op", "unknown value " + std::to_string(static_cast<unsigned>(record.op)));
  }
  // An opaque record under a known id would come back decoded as that
  // table (or refused): only ids this version does not define are opaque.
  if (unknown != nullptr && is_known_table(table)) w.fail("table", "id " + std::to_string(table) + " is not unknown");
  w.u8("table", table);
  w.u8("op", unknown ? unknown->op : static_cast<uint8_t>(record.op));
  w.u16("length", 0);  // patched below
  const size_t body = out->size();
  if (unknown != nullptr) {
    if (w.ok()) out->append(unknown->body);
  } else {
    stamp_layout(w, record);
    std::visit(
        [&](const auto& d) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(d)>, UnknownRecord>) layout(w, d, record.op);
        },
        record.data);
  }
  if (w.ok() && out->size() - body > kMaxRecordBody) w.fail("body", "over " + std::to_string(kMaxRecordBody) + " bytes");
  if (!w.ok()) {
    out->resize(start);
    const char* name = unknown ? "unknown" : to_string(static_cast<Table>(table));
    return base::make_error(std::string("record (") + name + "): " + w.error());
  }
  put_be_at(out, body - 2, out->size() - body, 2);
  return {};
}

base::Status check_record(const Record& record) {
  std::string scratch;
  return encode_record(record, &scratch);
}

void decode_record(FieldReader& in, Record* record) {
  uint8_t table = 0;
  uint8_t op = 0;
  uint16_t length = 0;
  in.u8("table", table);
  in.u8("op", op);
  in.u16("length", length);
  const char* p = in.take("body", length);
  if (!in.ok()) return;
  const std::string_view bytes(p, length);
  FieldReader body(bytes);
  const bool known = is_known_table(table);
  if (known && !is_valid(static_cast<Op>(op))) {
    return in.fail(WireErrorCode::OutOfBounds, "op", "unknown value " + std::to_string(op));
  }
  record->op = known ? static_cast<Op>(op) : Op::Upsert;
  record->origin.clear();
  record->stamp_ms = 0;
  switch (known ? static_cast<Table>(table) : Table{}) {
    case Table::StickySource: decode_known<StickySourceRecord>(body, record->op, record); break;
    case Table::StickyLearned: decode_known<StickyLearnedRecord>(body, record->op, record); break;
    case Table::Connection: decode_known<ConnectionRecord>(body, record->op, record); break;
    case Table::Admin: decode_known<AdminRecord>(body, record->op, record); break;
    case Table::RateLimit: decode_known<RateLimitRecord>(body, record->op, record); break;
    case Table::TicketKey: decode_known<TicketKeyRecord>(body, record->op, record); break;
    default: record->data = UnknownRecord{table, op, std::string(bytes)}; return;
  }
  body.end("body");
  if (!body.ok()) {
    const WireError& e = body.error();
    in.fail(e.code, to_string(static_cast<Table>(table)), e.detail);
  }
}

}  // namespace tandem::sync
