#pragma once
// IPv4 addresses as host-order integers (10.0.0.1 == 0x0A000001), the form
// VRRP compares and the config stores, and their dotted-quad text. One
// place for both directions, used by conf/, vrrp/ and the daemon.

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::base {

// "10.0.0.1" for 0x0A000001.
std::string format_ipv4(uint32_t address);

// Parses exactly a dotted quad (no blanks, no prefix); false, with `out`
// untouched, if `text` is not one.
bool parse_ipv4(std::string_view text, uint32_t& out);

}  // namespace tandem::base
