// libFuzzer target for the VRRP packet decoder (vrrp/packet.cc): any bytes
// must give either an advert or a drop reason, never a crash or a read past
// the input (ASan). An accepted advert must respect what was checked, and
// encoding it again must give a message that parses to the same advert.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "vrrp/packet.h"

namespace {

using namespace tandem::vrrp;

// A minimal IPv4 header (TTL 255, protocol 112) around `vrrp`.
std::vector<uint8_t> wrap(const std::vector<uint8_t>& vrrp, Ipv4 src, Ipv4 dst) {
  std::vector<uint8_t> p(20, 0);
  const size_t total = p.size() + vrrp.size();
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
  p[8] = kTtl;
  p[9] = kProtocol;
  for (int i = 0; i < 4; ++i) {
    p[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    p[16 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  p.insert(p.end(), vrrp.begin(), vrrp.end());
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so that ASan catches any over-read.
  const std::vector<uint8_t> input(data, data + size);
  const ParseResult r = parse_ipv4_packet(input);
  if (r.vrid < -1 || r.vrid > 255) std::abort();
  if (!r.ok) {
    if (to_string(r.reason)[0] == '\0') std::abort();
    return 0;
  }
  const Advert& a = r.packet.advert;
  if (r.vrid != a.vrid) std::abort();
  if (a.max_advert_cs == 0 || a.max_advert_cs > kMaxAdvertIntervalCs) std::abort();
  if (r.packet.ttl != kTtl) std::abort();
  if (size < 20 + kHeaderSize + 4 * a.addresses.size()) std::abort();

  std::vector<uint8_t> vrrp;
  encode(a, r.packet.source, r.packet.destination, vrrp);
  const ParseResult again = parse_ipv4_packet(wrap(vrrp, r.packet.source, r.packet.destination));
  if (!again.ok || !(again.packet.advert == a)) std::abort();
  if (again.packet.source != r.packet.source || again.packet.destination != r.packet.destination) std::abort();
  return 0;
}
