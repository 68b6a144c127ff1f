#define BOOST_TEST_DYN_LINK
#include "vrrp/packet.h"

#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "tests/unit/vrrp/election_sim.h"  // ip_packet()

using namespace tandem::vrrp;
using tandem::vrrp::sim::ip_packet;

namespace {

constexpr Ipv4 kSrc = 0x0A00000B;  // 10.0.0.11
constexpr Ipv4 kVip = 0x0A000064;  // 10.0.0.100

Advert sample_advert() {
  Advert a;
  a.vrid = 51;
  a.priority = 200;
  a.max_advert_cs = 100;
  a.addresses = {kVip};
  return a;
}

std::vector<uint8_t> vrrp_bytes(const Advert& a, Ipv4 src = kSrc, Ipv4 dst = kMulticastGroup) {
  std::vector<uint8_t> v;
  encode(a, src, dst, v);
  return v;
}

std::vector<uint8_t> sample_packet() { return ip_packet(vrrp_bytes(sample_advert()), kSrc, kMulticastGroup); }

// Recomputes the VRRP checksum of `p` (IHL 5) after a test edited it, over
// the VRRP length the IP header states.
void fix_checksum(std::vector<uint8_t>& p) {
  const size_t total = (size_t{p[2]} << 8) | p[3];
  const size_t len = total - 20;
  p[26] = p[27] = 0;
  std::vector<uint8_t> ph(p.begin() + 12, p.begin() + 20);
  ph.insert(ph.end(), {0, kProtocol, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
  const uint16_t c = checksum_fold(checksum_add(checksum_add(0, ph), std::span(p).subspan(20, len)));
  p[26] = static_cast<uint8_t>(c >> 8);
  p[27] = static_cast<uint8_t>(c);
}

void set_total_length(std::vector<uint8_t>& p, size_t total) {
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
}

void expect_drop(const std::vector<uint8_t>& p, DropReason reason, int vrid) {
  const ParseResult r = parse_ipv4_packet(p);
  BOOST_TEST(!r.ok);
  BOOST_TEST(to_string(r.reason) == to_string(reason));
  BOOST_TEST(r.vrid == vrid);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_packet)

BOOST_AUTO_TEST_CASE(checksum_matches_rfc1071_example) {
  // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0x2ddf0, folds to
  // 0xddf2, whose complement 0x220d is the checksum.
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  BOOST_TEST(checksum_add(0, data) == 0x2ddf0u);
  BOOST_TEST(checksum_fold(0x2ddf0) == 0x220d);
  // Summed in two pieces (even split), the same.
  BOOST_TEST(checksum_fold(checksum_add(checksum_add(0, std::span(data, 4)), std::span(data + 4, 4))) == 0x220d);
  // An odd last byte counts as the high byte of a zero-padded word.
  const uint8_t odd[] = {0x12, 0x34, 0x56};
  BOOST_TEST(checksum_add(0, odd) == 0x1234u + 0x5600u);
}

BOOST_AUTO_TEST_CASE(checksum_add_survives_huge_sums) {
  std::vector<uint8_t> ff(70000, 0xFF);
  // All-ones words: the one's-complement sum stays 0xFFFF, checksum 0.
  BOOST_TEST(checksum_fold(checksum_add(0xFFFFFFFFu, ff)) == 0);
}

// Golden bytes: 10.0.0.11 -> 224.0.0.18, VRID 51, priority 200, 1 s, VIP
// 10.0.0.100. Checksum by hand, 16-bit words:
//   pseudo-header  0a00 000b e000 0012 0070 000c        sum 0xea99
//   message        3133 c801 0064 (0000) 0a00 0064      sum 0x103fc
//   total 0x1ee95 -> fold 0xee95 + 1 = 0xee96 -> complement 0x1169.
BOOST_AUTO_TEST_CASE(golden_advert_bytes) {
  const std::vector<uint8_t> expected = {0x31, 0x33, 0xC8, 0x01, 0x00, 0x64, 0x11, 0x69, 0x0A, 0x00, 0x00, 0x64};
  BOOST_TEST(vrrp_bytes(sample_advert()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(encode_appends_and_sets_reserved_bits_to_zero) {
  std::vector<uint8_t> out = {0xAA, 0xBB};
  Advert a = sample_advert();
  a.max_advert_cs = kMaxAdvertIntervalCs;  // 0x0FFF: the 4 high bits must stay 0
  encode(a, kSrc, kMulticastGroup, out);
  BOOST_REQUIRE(out.size() == 2 + 12u);
  BOOST_TEST(out[0] == 0xAA);
  BOOST_TEST(out[2 + 4] == 0x0F);
  BOOST_TEST(out[2 + 5] == 0xFF);
  // The checksum covers only the appended message.
  std::vector<uint8_t> alone = vrrp_bytes(a);
  BOOST_TEST(std::vector<uint8_t>(out.begin() + 2, out.end()) == alone, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_trip) {
  for (size_t n : {0u, 1u, 2u, 17u, 255u}) {
    Advert a;
    a.vrid = 255;
    a.priority = static_cast<uint8_t>(n);
    a.max_advert_cs = static_cast<uint16_t>(1 + n * 16);
    for (size_t i = 0; i < n; ++i) a.addresses.push_back(0xC0A80000u + static_cast<Ipv4>(i));
    const Ipv4 dst = 0x0A0000FE;  // unicast peers use the same format
    const ParseResult r = parse_ipv4_packet(ip_packet(vrrp_bytes(a, kSrc, dst), kSrc, dst));
    BOOST_REQUIRE(r.ok);
    BOOST_TEST(r.packet.advert == a);
    BOOST_TEST(r.packet.source == kSrc);
    BOOST_TEST(r.packet.destination == dst);
    BOOST_TEST(r.packet.ttl == 255);
    BOOST_TEST(r.vrid == 255);
  }
}

// What keepalived 2.x sends with vrrp_version 3 (captured layout): TOS 0xC0,
// an IP ID, no options, priority 100, 1 s, two addresses.
BOOST_AUTO_TEST_CASE(keepalived_like_packet_parses) {
  Advert a;
  a.vrid = 51;
  a.priority = 100;
  a.max_advert_cs = 100;
  a.addresses = {0x0A000064, 0x0A000065};
  std::vector<uint8_t> p = ip_packet(vrrp_bytes(a, 0x0A00000C), 0x0A00000C, kMulticastGroup);
  p[4] = 0x1c;  // IP ID
  p[5] = 0x2d;
  const ParseResult r = parse_ipv4_packet(p);
  BOOST_REQUIRE(r.ok);
  BOOST_TEST(r.packet.advert == a);
  BOOST_TEST(format_ipv4(r.packet.source) == "10.0.0.12");
}

BOOST_AUTO_TEST_CASE(ip_options_and_trailing_bytes) {
  // IHL 6: 4 bytes of options (a NOP-padded router alert) before VRRP.
  std::vector<uint8_t> p = sample_packet();
  p.insert(p.begin() + 20, {0x94, 0x04, 0x00, 0x00});
  p[0] = 0x46;
  set_total_length(p, 36);
  ParseResult r = parse_ipv4_packet(p);
  BOOST_REQUIRE(r.ok);
  BOOST_TEST(r.packet.advert == sample_advert());

  // Bytes after the IP total length (e.g. Ethernet padding) are ignored.
  p = sample_packet();
  p.insert(p.end(), 30, 0xEE);
  r = parse_ipv4_packet(p);
  BOOST_REQUIRE(r.ok);
  BOOST_TEST(r.packet.advert == sample_advert());
}

// Our documented choice: a VRRP payload longer than its address count needs
// is accepted when the checksum covers it (the pseudo-header length is the
// IP payload length); shorter is BadLength.
BOOST_AUTO_TEST_CASE(padding_inside_the_ip_payload_is_accepted_when_checksummed) {
  std::vector<uint8_t> p = sample_packet();
  p.insert(p.end(), {0, 0, 0, 0});
  set_total_length(p, p.size());
  expect_drop(p, DropReason::BadChecksum, 51);  // length changed: pseudo-header differs
  fix_checksum(p);
  const ParseResult r = parse_ipv4_packet(p);
  BOOST_REQUIRE(r.ok);
  BOOST_TEST(r.packet.advert == sample_advert());
}

BOOST_AUTO_TEST_CASE(every_drop_reason) {
  const std::vector<uint8_t> good = sample_packet();
  BOOST_REQUIRE(parse_ipv4_packet(good).ok);

  expect_drop({}, DropReason::TooShort, -1);
  expect_drop(std::vector<uint8_t>(good.begin(), good.begin() + 21), DropReason::TooShort, -1);
  expect_drop(std::vector<uint8_t>(good.begin(), good.begin() + 27), DropReason::TooShort, 51);

  std::vector<uint8_t> p = good;
  p[0] = 0x65;  // IPv6 version nibble
  expect_drop(p, DropReason::BadIpHeader, -1);
  p = good;
  p[0] = 0x44;  // IHL 4 < 5
  expect_drop(p, DropReason::BadIpHeader, -1);
  p = good;
  p[0] = 0x4F;  // IHL 15: 60 bytes, more than the packet
  expect_drop(p, DropReason::BadIpHeader, -1);
  p = good;
  set_total_length(p, 27);  // less than IP header + VRRP header
  expect_drop(p, DropReason::BadIpHeader, 51);
  p = good;
  set_total_length(p, 21);  // the VRID byte is past the stated end
  expect_drop(p, DropReason::BadIpHeader, -1);
  p = good;
  set_total_length(p, good.size() + 1);  // more than was received
  expect_drop(p, DropReason::BadIpHeader, 51);

  p = good;
  p[9] = 17;
  expect_drop(p, DropReason::NotVrrp, 51);
  p = good;
  p[8] = 254;
  expect_drop(p, DropReason::BadTtl, 51);
  p = good;
  p[20] = 0x21;  // VRRPv2
  expect_drop(p, DropReason::BadVersion, 51);
  p = good;
  p[20] = 0x32;  // type 2
  expect_drop(p, DropReason::BadType, 51);
  p = good;
  p[23] = 2;  // two addresses announced, one present
  expect_drop(p, DropReason::BadLength, 51);
  p = good;
  p[31] ^= 1;  // last byte of the address
  expect_drop(p, DropReason::BadChecksum, 51);
  p = good;
  p[24] = 0;
  p[25] = 0;
  fix_checksum(p);
  expect_drop(p, DropReason::ZeroInterval, 51);

  for (auto r : {DropReason::TooShort, DropReason::BadIpHeader, DropReason::NotVrrp, DropReason::BadTtl,
                 DropReason::BadVersion, DropReason::BadType, DropReason::BadLength, DropReason::BadChecksum,
                 DropReason::ZeroInterval})
    BOOST_TEST(std::string(to_string(r)) != "unknown");
}

BOOST_AUTO_TEST_CASE(checks_run_in_the_documented_order) {
  std::vector<uint8_t> p = sample_packet();
  p[8] = 1;       // bad TTL
  p[20] = 0x22;   // bad version and type
  p[9] = 6;       // and not VRRP: protocol comes first
  expect_drop(p, DropReason::NotVrrp, 51);
  p[9] = kProtocol;
  expect_drop(p, DropReason::BadTtl, 51);
  p[8] = kTtl;
  expect_drop(p, DropReason::BadVersion, 51);
  p[20] = 0x32;
  expect_drop(p, DropReason::BadType, 51);
  p[20] = 0x31;
  p[23] = 9;      // bad length, and the checksum is now wrong too
  expect_drop(p, DropReason::BadLength, 51);
  p[23] = 1;
  p[24] = p[25] = 0;  // zero interval with a stale checksum
  expect_drop(p, DropReason::BadChecksum, 51);
}

BOOST_AUTO_TEST_CASE(reserved_bits_are_ignored_on_receipt) {
  std::vector<uint8_t> p = sample_packet();
  p[24] |= 0xF0;
  fix_checksum(p);
  const ParseResult r = parse_ipv4_packet(p);
  BOOST_REQUIRE(r.ok);
  BOOST_TEST(r.packet.advert.max_advert_cs == 100);
  // Only reserved bits set, interval 0: still a zero interval.
  p[24] = 0xF0;
  p[25] = 0;
  fix_checksum(p);
  expect_drop(p, DropReason::ZeroInterval, 51);
}

BOOST_AUTO_TEST_CASE(checksum_covers_the_pseudo_header_and_every_bit) {
  // Sent to 224.0.0.18 but the IP header says another destination.
  std::vector<uint8_t> p = ip_packet(vrrp_bytes(sample_advert()), kSrc, 0xE0000013);
  expect_drop(p, DropReason::BadChecksum, 51);
  // Another source.
  p = ip_packet(vrrp_bytes(sample_advert()), kSrc + 1, kMulticastGroup);
  expect_drop(p, DropReason::BadChecksum, 51);
  // Any single flipped bit of the VRRP message past the type/count bytes.
  const std::vector<uint8_t> good = sample_packet();
  for (size_t byte : {21u, 22u, 24u, 25u, 26u, 27u, 28u, 29u, 30u, 31u}) {
    for (int bit = 0; bit < 8; ++bit) {
      p = good;
      p[byte] ^= static_cast<uint8_t>(1 << bit);
      const ParseResult r = parse_ipv4_packet(p);
      BOOST_TEST(!r.ok);
      BOOST_TEST((r.reason == DropReason::BadChecksum), "byte " << byte << " bit " << bit);
    }
  }
}

BOOST_AUTO_TEST_CASE(truncations_never_crash_and_never_parse) {
  Advert a = sample_advert();
  a.addresses = {1, 2, 3, 4, 5, 6, 7};
  const std::vector<uint8_t> full = ip_packet(vrrp_bytes(a), kSrc, kMulticastGroup);
  for (size_t n = 0; n < full.size(); ++n) {
    // A copy of exactly n bytes, so ASan sees any read past the end.
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const ParseResult r = parse_ipv4_packet(cut);
    BOOST_TEST(!r.ok);
    BOOST_TEST((r.reason == DropReason::TooShort || r.reason == DropReason::BadIpHeader));
  }
  BOOST_TEST(parse_ipv4_packet(full).ok);
}

BOOST_AUTO_TEST_CASE(random_bytes_and_mutations_never_crash) {
  std::mt19937 rng(5798);
  const std::vector<uint8_t> good = sample_packet();
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> p;
    if (i % 2) {
      p.resize(rng() % 80);
      for (auto& b : p) b = static_cast<uint8_t>(rng());
      if (p.size() > 0) p[0] = 0x45;
    } else {
      p = good;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) p[rng() % p.size()] = static_cast<uint8_t>(rng());
      p.resize(rng() % (p.size() + 8));
    }
    const ParseResult r = parse_ipv4_packet(p);
    if (r.ok) {
      ++accepted;
      BOOST_REQUIRE(p.size() >= 28 + 4 * r.packet.advert.addresses.size());
      BOOST_REQUIRE(r.packet.advert.max_advert_cs != 0);
      BOOST_REQUIRE(r.vrid == r.packet.advert.vrid);
    }
  }
  BOOST_TEST(accepted < 20000u);
}

BOOST_AUTO_TEST_SUITE_END()
