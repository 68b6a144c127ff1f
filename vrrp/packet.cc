// VRRPv3 advertisement codec for IPv4 (RFC 5798 section 5). Pure byte
// handling: no sockets, no logging, no other project code (the fuzz target
// links this file alone).
//
// Decisions beyond the RFC text:
//  - Length: RFC 5798 7.1 asks that the packet "contains the complete VRRP
//    packet (including fixed fields, and IPvX address(es))". We accept a
//    VRRP payload (IP total length - IP header) that is longer than
//    8 + 4 * count: the extra bytes are ignored, but they are covered by the
//    checksum together with the pseudo-header length, exactly as for UDP or
//    TCP, whose pseudo-header also carries the upper-layer length as the IP
//    header states it. Shorter payloads are BadLength.
//  - A count of 0 addresses is accepted (the state machine counts an address
//    list that differs from its own; it never drops for it).
//  - The IP header checksum is not verified: the kernel has already dropped
//    packets whose IP header checksum is wrong before a raw socket sees them.

#include "vrrp/packet.h"

#include <algorithm>

namespace tandem::vrrp {
namespace {

constexpr size_t kIpv4MinHeader = 20;

uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t load32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// The IPv4 pseudo-header's contribution to the checksum (RFC 5798 5.2.8).
uint32_t pseudo_header_sum(Ipv4 source, Ipv4 destination, size_t vrrp_length) {
  uint8_t ph[12];
  store32(ph, source);
  store32(ph + 4, destination);
  ph[8] = 0;
  ph[9] = kProtocol;
  ph[10] = static_cast<uint8_t>(vrrp_length >> 8);
  ph[11] = static_cast<uint8_t>(vrrp_length);
  return checksum_add(0, ph);
}

ParseResult drop(ParseResult r, DropReason reason) {
  r.ok = false;
  r.reason = reason;
  return r;
}

}  // namespace

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::TooShort: return "too short";
    case DropReason::BadIpHeader: return "bad IP header";
    case DropReason::NotVrrp: return "not VRRP";
    case DropReason::BadTtl: return "TTL not 255";
    case DropReason::BadVersion: return "bad version";
    case DropReason::BadType: return "bad type";
    case DropReason::BadLength: return "length does not match address count";
    case DropReason::BadChecksum: return "bad checksum";
    case DropReason::ZeroInterval: return "zero advert interval";
  }
  return "unknown";
}

uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> data) {
  uint64_t acc = sum;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) acc += load16(data.data() + i);
  if (i < data.size()) acc += uint32_t{data[i]} << 8;  // odd byte, zero-padded
  // 2^32 == 1 modulo 0xFFFF, so folding the high half in keeps the
  // one's-complement sum and lets callers continue with a uint32_t.
  while (acc >> 32) acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t checksum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFFu) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFFu);
}

void encode(const Advert& advert, Ipv4 source, Ipv4 destination, std::vector<uint8_t>& out) {
  // Preconditions are clamped rather than trusted: a bad caller gets a
  // well-formed (if shortened) packet, never a malformed one.
  const size_t count = std::min(advert.addresses.size(), kMaxAddresses);
  const uint16_t interval = std::min(advert.max_advert_cs, kMaxAdvertIntervalCs);
  const size_t start = out.size();
  const size_t length = kHeaderSize + 4 * count;
  out.resize(start + length);
  uint8_t* p = out.data() + start;
  p[0] = static_cast<uint8_t>((kVersion << 4) | kTypeAdvertisement);
  p[1] = advert.vrid;
  p[2] = advert.priority;
  p[3] = static_cast<uint8_t>(count);
  p[4] = static_cast<uint8_t>((interval >> 8) & 0x0F);  // 4 reserved bits stay 0
  p[5] = static_cast<uint8_t>(interval);
  p[6] = 0;
  p[7] = 0;
  for (size_t i = 0; i < count; ++i) store32(p + kHeaderSize + 4 * i, advert.addresses[i]);
  uint32_t sum = pseudo_header_sum(source, destination, length);
  sum = checksum_add(sum, std::span<const uint8_t>(p, length));
  const uint16_t c = checksum_fold(sum);
  p[6] = static_cast<uint8_t>(c >> 8);
  p[7] = static_cast<uint8_t>(c);
}

ParseResult parse_ipv4_packet(std::span<const uint8_t> packet) {
  ParseResult r;
  const uint8_t* b = packet.data();
  const size_t size = packet.size();

  // Where the VRRP header starts is known once the first IP byte is sane;
  // record the VRID then, so that even a drop is counted per instance.
  size_t ihl_bytes = 0;
  size_t total = 0;
  if (size >= 1 && (b[0] >> 4) == 4 && (b[0] & 0x0F) >= 5) {
    ihl_bytes = size_t{b[0] & 0x0Fu} * 4;
    size_t limit = size;
    if (size >= 4) {
      total = load16(b + 2);
      if (total <= size && total >= ihl_bytes) limit = total;
    }
    if (ihl_bytes + 2 <= limit) r.vrid = b[ihl_bytes + 1];
  }

  if (size < kIpv4MinHeader + kHeaderSize) return drop(r, DropReason::TooShort);
  if (ihl_bytes == 0 || ihl_bytes > size || total < ihl_bytes + kHeaderSize || total > size)
    return drop(r, DropReason::BadIpHeader);
  if (b[9] != kProtocol) return drop(r, DropReason::NotVrrp);
  if (b[8] != kTtl) return drop(r, DropReason::BadTtl);

  const uint8_t* v = b + ihl_bytes;
  const size_t vrrp_length = total - ihl_bytes;
  if ((v[0] >> 4) != kVersion) return drop(r, DropReason::BadVersion);
  if ((v[0] & 0x0F) != kTypeAdvertisement) return drop(r, DropReason::BadType);
  const size_t count = v[3];
  if (vrrp_length < kHeaderSize + 4 * count) return drop(r, DropReason::BadLength);

  const Ipv4 source = load32(b + 12);
  const Ipv4 destination = load32(b + 16);
  uint32_t sum = pseudo_header_sum(source, destination, vrrp_length);
  sum = checksum_add(sum, std::span<const uint8_t>(v, vrrp_length));
  if (checksum_fold(sum) != 0) return drop(r, DropReason::BadChecksum);

  const uint16_t interval = load16(v + 4) & 0x0FFF;  // reserved bits ignored
  if (interval == 0) return drop(r, DropReason::ZeroInterval);

  r.ok = true;
  r.packet.source = source;
  r.packet.destination = destination;
  r.packet.ttl = b[8];
  r.packet.advert.vrid = v[1];
  r.packet.advert.priority = v[2];
  r.packet.advert.max_advert_cs = interval;
  r.packet.advert.addresses.reserve(count);
  for (size_t i = 0; i < count; ++i) r.packet.advert.addresses.push_back(load32(v + kHeaderSize + 4 * i));
  return r;
}

}  // namespace tandem::vrrp
