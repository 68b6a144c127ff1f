#pragma once
// An SNMP object identifier: a sequence of unsigned 32-bit components.
// Parsed from "1.3.6.1.4.1.32473.7" (a leading dot is optional), printed
// with a leading dot as `snmpwalk -On` prints, ordered lexicographically
// component by component, as SNMP's GETNEXT orders a MIB:
//   .1.2 < .1.2.0 < .1.9 < .1.10
//
// A plain value type; any thread (no shared state).

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tandem::status {

class Oid {
 public:
  // SNMP's limit (RFC 2578 section 3.5); parse() refuses longer OIDs.
  static constexpr size_t kMaxComponents = 128;

  Oid() = default;  // the empty OID: a prefix of every OID
  Oid(std::initializer_list<uint32_t> components) : components_(components) {}
  explicit Oid(std::vector<uint32_t> components) : components_(std::move(components)) {}

  // Parses "1.3.6.1" or ".1.3.6.1". Errors (operator-facing, naming the
  // input): empty text, empty component ("1..2", "1."), non-digit, a
  // component above 4294967295, more than kMaxComponents components.
  static base::Result<Oid> parse(std::string_view text);

  // ".1.3.6.1"; the empty OID prints as "".
  std::string to_string() const;

  const std::vector<uint32_t>& components() const { return components_; }
  size_t size() const { return components_.size(); }
  bool empty() const { return components_.empty(); }

  // True if every component of *this starts `other` (an OID is a prefix of
  // itself; the empty OID is a prefix of all).
  bool is_prefix_of(const Oid& other) const;

  // A new OID: *this followed by `suffix`. For building tables:
  //   base.child({3, 1, 2, pool_index})
  Oid child(std::initializer_list<uint32_t> suffix) const;
  Oid child(const Oid& suffix) const;
  // Appends in place; cheaper when building many OIDs in a loop.
  Oid& append(uint32_t component) {
    components_.push_back(component);
    return *this;
  }

  // Lexicographic by component; a proper prefix sorts first.
  friend std::strong_ordering operator<=>(const Oid& a, const Oid& b) {
    return a.components_ <=> b.components_;
  }
  friend bool operator==(const Oid& a, const Oid& b) = default;

 private:
  std::vector<uint32_t> components_;
};

}  // namespace tandem::status
