#pragma once
// The SNMP-style view of the daemon's state: typed values under OIDs, and the
// three reads the status socket answers (get, next, walk), printed exactly as
// net-snmp's `snmpget -On` / `snmpgetnext -On` / `snmpwalk -On` print them:
//
//   .1.3.6.1.4.1.32473.7.1.2.0 = STRING: "lb-a"
//   .1.3.6.1.4.1.32473.7.1.3.0 = Timeticks: (12345) 0:02:03.45
//   .1.3.6.1.4.1.32473.7.9.0 = No Such Object available on this agent at this OID
//
// A MibView is built fresh for each request by the daemon from live state
// (add() appends; the first query sorts once), so building is cheap and there
// is no tree to keep in sync with the config.
//
// Threading: a MibValue is a plain value. A MibView is used by one thread
// (the status socket's loop); even its const queries sort lazily.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/status/oid.h"

namespace tandem::status {

// SMIv2 base types Tandem uses. to_string() gives net-snmp's label.
enum class MibType { Integer, Gauge32, Counter32, Counter64, TimeTicks, OctetString, ObjectIdentifier };

// "INTEGER", "Gauge32", "Counter32", "Counter64", "Timeticks", "STRING", "OID".
const char* to_string(MibType type);

class MibValue {
 public:
  // INTEGER (Integer32): values outside the signed 32-bit range are clamped.
  static MibValue integer(int64_t v);
  // Gauge32: latches at 4294967295 (RFC 2578 7.1.7), so larger values clamp.
  static MibValue gauge32(uint64_t v);
  // Counter32: wraps modulo 2^32 (RFC 2578 7.1.6), so pass the full count.
  static MibValue counter32(uint64_t v);
  static MibValue counter64(uint64_t v);
  // TimeTicks: hundredths of a second, modulo 2^32 (like sysUpTime).
  static MibValue timeticks(uint64_t hundredths);
  // OCTET STRING. Any bytes; printed as STRING: "..." when printable,
  // otherwise as Hex-STRING (see format()).
  static MibValue string(std::string v);
  static MibValue oid(Oid v);

  MibType type() const { return type_; }
  // The number for the numeric types (Integer as a signed value).
  int64_t as_signed() const { return static_cast<int64_t>(number_); }
  uint64_t as_unsigned() const { return number_; }
  // The bytes of an OctetString; empty for other types.
  const std::string& text() const { return text_; }
  // The value of an ObjectIdentifier; empty for other types.
  const Oid& oid_value() const { return oid_; }

  // What net-snmp prints after " = ":
  //   INTEGER: -5 | Gauge32: 3 | Counter32: 7 | Counter64: 12345
  //   Timeticks: (12345) 0:02:03.45   ("1 day, 0:00:00.00", "2 days, …")
  //   STRING: "lb-a"   (" and \ escaped with a backslash)
  //   ""               (the empty string, with no type label, as net-snmp)
  //   Hex-STRING: 00 FF 0A    (when a byte is neither printable ASCII nor
  //                            ASCII white space; 16 bytes per line)
  //   OID: .1.3.6.1
  // One deviation, for the line protocol: a string containing CR or LF is
  // printed as Hex-STRING (net-snmp would print the raw line break).
  std::string format() const;

 private:
  MibValue(MibType type, uint64_t number) : type_(type), number_(number) {}
  MibType type_;
  uint64_t number_ = 0;
  std::string text_;
  Oid oid_;
};

struct MibEntry {
  Oid oid;
  MibValue value;
};

// net-snmp's "OID = VALUE" line, without a line break.
std::string format_varbind(const Oid& oid, const MibValue& value);
// The lines net-snmp prints for SNMP's exceptions, for `oid`.
std::string format_no_such_object(const Oid& oid);
std::string format_end_of_mib(const Oid& oid);

class MibView {
 public:
  void reserve(size_t n) { entries_.reserve(n); }
  // Adds an entry. Amortized O(1); a later add() of the same OID replaces
  // the earlier value.
  void add(Oid oid, MibValue value);
  size_t size() const;

  // Every entry, in OID order.
  std::span<const MibEntry> entries() const;
  // The entry at exactly `oid`, or nullptr ("No Such Object").
  const MibEntry* get(const Oid& oid) const;
  // The first entry strictly after `oid`, or nullptr ("End of MIB").
  const MibEntry* next(const Oid& oid) const;
  // The entries `root` is a prefix of (including `root` itself), in order;
  // empty if there are none.
  std::span<const MibEntry> subtree(const Oid& root) const;

  // The answers as net-snmp prints them, one line each.
  std::string get_line(const Oid& oid) const;
  std::string next_line(const Oid& oid) const;
  // Appends snmpwalk's output for `root` to `out`, every line ending in
  // '\n': the entries under root; or, if there are none, the line snmpwalk
  // prints then (its fallback GET of root: "No Such Object ...").
  void walk_lines(const Oid& root, std::string& out) const;

 private:
  void ensure_sorted() const;
  mutable std::vector<MibEntry> entries_;
  mutable bool sorted_ = true;  // entries_ is in OID order without duplicates
};

}  // namespace tandem::status
