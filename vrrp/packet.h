#pragma once
// The VRRPv3 advertisement for IPv4 (RFC 5798 section 5): encoding and
// decoding, as pure functions over byte spans (STYLE habit 2). No sockets
// here; vrrp/advert_socket.h moves the bytes.
//
//    0                   1                   2                   3
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//   |(rsvd) |     Max Adver Int     |          Checksum             |
//   |                       IPvX Address(es)                        |
//
// The checksum covers the VRRP message and the IPv4 pseudo-header (source,
// destination, zero, protocol 112, VRRP length), as in RFC 5798 5.2.8 —
// the form keepalived's `vrrp_version 3` sends and checks.

#include <netinet/in.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/ipv4.h"

namespace tandem::vrrp {

inline constexpr uint8_t kProtocol = 112;         // IANA protocol number of VRRP
inline constexpr uint8_t kVersion = 3;
inline constexpr uint8_t kTypeAdvertisement = 1;
inline constexpr uint8_t kTtl = 255;               // sent, and required on receipt
inline constexpr uint32_t kMulticastGroup = 0xE0000012;  // 224.0.0.18, host byte order
inline constexpr uint8_t kPriorityOwner = 255;     // the router owning the addresses
inline constexpr uint8_t kPriorityResign = 0;      // "I stop being master"
inline constexpr uint16_t kMaxAdvertIntervalCs = 4095;  // 12 bits of centiseconds
inline constexpr size_t kHeaderSize = 8;           // VRRP header without addresses
inline constexpr size_t kMaxAddresses = 255;

// An IPv4 address in host byte order (10.0.0.1 == 0x0A000001): comparisons
// (RFC 5798's "higher primary address wins") then follow numeric order.
using Ipv4 = uint32_t;

// Dotted-quad text of an address ("10.0.0.1"), for logs and reasons.
using base::format_ipv4;

// The fields of an advertisement; version and type are implied (3, 1).
struct Advert {
  uint8_t vrid = 0;
  uint8_t priority = 0;
  uint16_t max_advert_cs = 0;  // Max Adver Int, centiseconds, 12 bits
  std::vector<Ipv4> addresses;

  bool operator==(const Advert&) const = default;
};

// Why a received packet was not accepted. Each has a counter in the
// instance statistics (RFC 6527 names in brackets).
enum class DropReason {
  TooShort,         // shorter than an IP header + VRRP header       [PacketLengthErrors]
  BadIpHeader,      // IP version/IHL/total length inconsistent      [PacketLengthErrors]
  NotVrrp,          // IP protocol is not 112                        (not counted per instance)
  BadTtl,           // TTL != 255                                    [IpTtlErrors]
  BadVersion,       // version != 3                                  [VersionErrors]
  BadType,          // type != 1 (advertisement)                     [RcvdInvalidTypePackets]
  BadLength,        // length does not match the address count      [PacketLengthErrors]
  BadChecksum,      //                                               [ChecksumErrors]
  ZeroInterval,     // Max Adver Int of 0                            [AdvIntervalErrors]
};
const char* to_string(DropReason r);

// A received advertisement with what the IP header said about it.
struct ReceivedAdvert {
  Ipv4 source = 0;
  Ipv4 destination = 0;
  uint8_t ttl = 0;
  Advert advert;
};

// Either a ReceivedAdvert or why the packet was dropped.
struct ParseResult {
  bool ok = false;
  DropReason reason = DropReason::TooShort;  // meaningful when !ok
  // The VRID byte when the packet was long enough to hold it (-1 if not),
  // so a drop can be counted against the instance it was meant for.
  int vrid = -1;
  ReceivedAdvert packet;                     // meaningful when ok
};

// Appends the VRRP message (header, addresses, checksum; no IP header) for
// `advert` sent from `source` to `destination` to `out`. `advert` must have
// at most kMaxAddresses addresses and max_advert_cs <= kMaxAdvertIntervalCs.
void encode(const Advert& advert, Ipv4 source, Ipv4 destination, std::vector<uint8_t>& out);

// Decodes a whole IPv4 packet as a raw socket of protocol 112 returns it
// (IP header first). Checks, in order: IP header sanity, protocol, TTL,
// VRRP version, type, length against the address count, checksum (with the
// pseudo-header from the IP header's addresses), a non-zero interval.
// Trailing bytes beyond the IP total length are ignored. A VRRP payload
// longer than 8 + 4 * count is accepted (the extra bytes are covered by the
// checksum, as the pseudo-header length says, and otherwise ignored); a
// shorter one is BadLength. Never reads outside `packet`; any byte sequence
// is safe input (fuzzed).
ParseResult parse_ipv4_packet(std::span<const uint8_t> packet);

// The Internet checksum (RFC 1071) of `data`, continuing from `sum`
// (a 32-bit running sum, not yet folded). `data` must start at an even
// offset of the summed message (an odd last byte is padded with zero).
// Exposed for tests.
uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> data);
// Folds the carries of `sum` and returns its one's complement: the value to
// store in a checksum field, and 0 when the sum covers a correct checksum.
uint16_t checksum_fold(uint32_t sum);

}  // namespace tandem::vrrp
