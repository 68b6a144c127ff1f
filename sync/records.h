#pragma once
// The records of the sync channel: one change to one replicated table,
// carried inside UPDATES frames (docs/sync.md, "Records"). Plain structs
// holding owned strings; encoding and decoding are pure (no I/O, no clock).
//
// Every record on the wire is
//   table u8 | op u8 | body length u16 | body
// and every body defined here starts with the writer's stamp
//   origin string | stamp_ms u64
// followed by the table's key fields and, for an UPSERT, its value fields.
// The length lets a decoder skip a table it does not know (UnknownRecord):
// tables may be added without a new protocol version.
//
// A DELETE carries the key fields only: the value fields of a decoded DELETE
// are left at their defaults and an encoder ignores them.
//
// Threading: none (plain data and pure functions).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "base/result.h"
#include "sync/byte_io.h"

namespace tandem::sync {

// Bounds of variable-length fields. A decoder refuses more; an encoder too.
inline constexpr size_t kMaxNameSize = 255;     // node, pool, server, frontend, instance names
inline constexpr size_t kMaxCookieSize = 4096;  // a learned cookie value
inline constexpr size_t kMaxRecordBody = 0xFFFF;
inline constexpr size_t kRecordHeaderSize = 4;  // table, op, body length

// Table ids (u8). 0 is never sent; every id not listed is skipped.
enum class Table : uint8_t {
  StickySource = 1,
  StickyLearned = 2,
  Connection = 3,
  Admin = 4,
  RateLimit = 5,
  TicketKey = 6,
};
const char* to_string(Table t);

enum class Op : uint8_t { Upsert = 1, Delete = 2 };
const char* to_string(Op op);
bool is_valid(Op op);

// An operator decision (`tandemctl server enable|drain|disable`).
enum class AdminState : uint8_t { Enabled = 1, Drain = 2, Disabled = 3 };
const char* to_string(AdminState s);
bool is_valid(AdminState s);

// Which use a TLS ticket key has: Current encrypts new tickets; Previous
// only decrypts tickets it issued before.
enum class TicketRole : uint8_t { Current = 1, Previous = 2 };
const char* to_string(TicketRole r);
bool is_valid(TicketRole r);

// `sticky = source`: client address -> server, in one pool.
struct StickySourceRecord {
  static constexpr Table kTable = Table::StickySource;
  std::string pool;            // key
  std::string client;          // key: address bytes, 4 (IPv4) or 16 (IPv6)
  std::string server;          // upsert
  uint32_t remaining_ms = 0;   // upsert: time to expiry, relative (clocks need not agree)
  bool operator==(const StickySourceRecord&) const = default;
};

// `sticky = learn NAME`: a server-set cookie value -> server, in one pool.
struct StickyLearnedRecord {
  static constexpr Table kTable = Table::StickyLearned;
  std::string pool;            // key
  std::string cookie;          // key: the value, 1..kMaxCookieSize bytes
  std::string server;          // upsert
  uint32_t remaining_ms = 0;   // upsert
  bool operator==(const StickyLearnedRecord&) const = default;
};

// A live client connection of the origin node (its id is unique per origin
// and process lifetime: the key is (origin, id)).
struct ConnectionRecord {
  static constexpr Table kTable = Table::Connection;
  uint64_t id = 0;                 // key
  std::string client;              // upsert: 4 or 16 address bytes
  uint16_t client_port = 0;        // upsert
  std::string frontend;            // upsert, required
  std::string pool;                // upsert, may be empty (not routed yet)
  std::string server;              // upsert, may be empty (not chosen yet)
  uint64_t started_ms = 0;         // upsert: wall clock, ms since the Unix epoch
  uint64_t bytes_to_server = 0;    // upsert: client -> server
  uint64_t bytes_to_client = 0;    // upsert: server -> client
  bool operator==(const ConnectionRecord&) const = default;
};

// An operator decision on one server; DELETE forgets it (back to config).
struct AdminRecord {
  static constexpr Table kTable = Table::Admin;
  std::string pool;                 // key
  std::string server;               // key
  AdminState state = AdminState::Enabled;  // upsert
  std::optional<uint16_t> weight;   // upsert; nullopt: the weight is not overridden
  bool operator==(const AdminRecord&) const = default;
};

// The per-source protections of one frontend. Tokens are fixed-point, in
// thousandths of a token (to_millitokens / from_millitokens).
struct RateLimitRecord {
  static constexpr Table kTable = Table::RateLimit;
  std::string frontend;                  // key
  std::string client;                    // key: 4 or 16 address bytes
  uint64_t connection_millitokens = 0;   // upsert
  uint64_t request_millitokens = 0;      // upsert
  uint32_t connections = 0;              // upsert: open connections of the source
  bool operator==(const RateLimitRecord&) const = default;
};

// A TLS session-ticket key (RFC 5077 layout: name, AES-256 key, HMAC-SHA256 key).
struct TicketKeyRecord {
  static constexpr Table kTable = Table::TicketKey;
  std::array<uint8_t, 16> name{};   // key
  std::array<uint8_t, 32> aes{};    // upsert
  std::array<uint8_t, 32> hmac{};   // upsert
  uint64_t created_ms = 0;          // upsert: wall clock, ms since the Unix epoch
  TicketRole role = TicketRole::Current;  // upsert
  bool operator==(const TicketKeyRecord&) const = default;
};

// A record of a table this version does not define (an encoder refuses a
// known id here), kept opaque (so its
// sequence number stays taken and re-encoding reproduces it). Receivers
// skip it.
struct UnknownRecord {
  uint8_t table = 0;
  uint8_t op = 0;      // raw: its meaning belongs to the unknown table
  std::string body;    // the whole body, at most kMaxRecordBody bytes
  bool operator==(const UnknownRecord&) const = default;
};

using RecordData = std::variant<StickySourceRecord, StickyLearnedRecord, ConnectionRecord, AdminRecord,
                                RateLimitRecord, TicketKeyRecord, UnknownRecord>;

struct Record {
  Op op = Op::Upsert;       // unused for UnknownRecord
  std::string origin;       // node name of the last writer, 1..kMaxNameSize bytes; unused for UnknownRecord
  uint64_t stamp_ms = 0;    // wall clock of that write (ms since the Unix epoch); unused for UnknownRecord
  RecordData data;

  // The table id on the wire.
  uint8_t table_id() const;
  bool operator==(const Record&) const = default;
};

// Last-writer-wins order of two stamps (docs/sync.md, "Convergence"): the
// later stamp_ms wins; on a tie, the origin greater in unsigned byte order.
// True if (a_ms, a_origin) beats (b_ms, b_origin). Equal stamps: false.
bool stamp_newer(uint64_t a_ms, std::string_view a_origin, uint64_t b_ms, std::string_view b_origin);

// Whole tokens <-> the wire's thousandths, rounding to nearest; negative and
// NaN give 0, huge values saturate.
uint64_t to_millitokens(double tokens);
double from_millitokens(uint64_t millitokens);

// Appends `record` (header and body) to *out. On error (a field out of its
// bounds; the message names it) *out is left as it was.
base::Status encode_record(const Record& record, std::string* out);

// Checks `record` as encode_record would, without writing.
base::Status check_record(const Record& record);

// Decodes one record from `in` into *record; reads exactly the record's
// header and body. On failure `in` holds the error (Truncated, OutOfBounds,
// TrailingBytes inside the body).
void decode_record(FieldReader& in, Record* record);

}  // namespace tandem::sync
