#include "base/ipv4.h"

#include <arpa/inet.h>

namespace tandem::base {

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 0xFF) + '.' + std::to_string((a >> 8) & 0xFF) +
         '.' + std::to_string(a & 0xFF);
}

bool parse_ipv4(std::string_view text, uint32_t& out) {
  if (text.empty() || text.size() > 15) return false;
  std::string copy(text);  // inet_pton wants a NUL-terminated string
  in_addr a{};
  if (inet_pton(AF_INET, copy.c_str(), &a) != 1) return false;
  out = ntohl(a.s_addr);
  return true;
}

}  // namespace tandem::base
