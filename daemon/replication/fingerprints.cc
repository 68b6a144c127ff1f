#include "daemon/replication/fingerprints.h"

#include <openssl/evp.h>

#include <algorithm>

namespace tandem::replication {
namespace {

// Each field is written with its length first, so that no two different
// lists of fields give the same bytes.
void put_field(std::string& out, std::string_view field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(field);
}

sync::Digest sha256(std::string_view bytes) {
  sync::Digest d{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &size, EVP_sha256(), nullptr);
  return d;
}

}  // namespace

sync::Digest pool_digest(const conf::PoolConf& pool) {
  std::string bytes;
  put_field(bytes, "tandem pool v1");
  put_field(bytes, pool.name);
  put_field(bytes, conf::to_string(pool.sticky));
  put_field(bytes, pool.sticky_cookie);
  std::vector<const conf::ServerConf*> servers;
  for (const conf::ServerConf& s : pool.servers) servers.push_back(&s);
  std::sort(servers.begin(), servers.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const conf::ServerConf* s : servers) {
    put_field(bytes, s->name);
    put_field(bytes, s->address.to_string());
  }
  return sha256(bytes);
}

std::vector<sync::PoolFingerprint> pool_fingerprints(const conf::Config& config) {
  std::vector<sync::PoolFingerprint> out;
  for (const conf::PoolConf& pool : config.pools) out.push_back({pool.name, pool_digest(pool)});
  return out;
}

sync::Digest config_digest(const conf::Config& config) {
  auto pools = pool_fingerprints(config);
  std::sort(pools.begin(), pools.end(), [](const auto& a, const auto& b) { return a.pool < b.pool; });
  std::string bytes;
  put_field(bytes, "tandem config v1");
  for (const auto& p : pools) {
    put_field(bytes, p.pool);
    put_field(bytes, std::string_view(reinterpret_cast<const char*>(p.digest.data()), p.digest.size()));
  }
  return sha256(bytes);
}

}  // namespace tandem::replication
