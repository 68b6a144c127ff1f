#include "daemon/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace tandem::tls {
namespace {

int app_data_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool keyed(const TicketKey& key, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, bool encrypt) {
  OSSL_PARAM params[3];
  params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key.hmac.data()),
                                                key.hmac.size());
  params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0);
  params[2] = OSSL_PARAM_construct_end();
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return false;
  if (encrypt) return EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1;
  return EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1;
}

// OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb):
// encrypt: name the key and key the cipher and MAC, 1 (or -1: no ticket);
// decrypt: 0 for an unknown key (full handshake), 1 for the current key,
// 2 for an older one (resumes, and a fresh ticket is issued). TLS 1.3 always
// gets a fresh ticket: clients use each TLS 1.3 ticket once (RFC 8446 C.4,
// and OpenSSL's client does), so without one a client resumes only every
// other connection.
int on_ticket_key(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                  int encrypt) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), app_data_index()));
  if (keys == nullptr) return encrypt ? -1 : 0;
  if (encrypt) {
    TicketKey key = keys->current();
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    std::memcpy(name, key.name.data(), key.name.size());
    return keyed(key, iv, cipher, mac, true) ? 1 : -1;
  }
  bool newest = false;
  std::optional<TicketKey> key = keys->find(name, &newest);
  if (!key) return 0;
  if (!keyed(*key, iv, cipher, mac, false)) return -1;
  return newest && SSL_version(ssl) != TLS1_3_VERSION ? 1 : 2;
}

}  // namespace

TicketKeys::TicketKeys(const base::Clock& clock, std::chrono::seconds rotate_every, size_t keep)
    : clock_(clock), rotate_every_(rotate_every), keep_(std::max<size_t>(keep, 1)) {
  std::lock_guard lock(mu_);
  rotate_locked(now_ms());
}

uint64_t TicketKeys::now_ms() const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall_now().time_since_epoch()).count();
  return ms > 0 ? static_cast<uint64_t>(ms) : 0;
}

// Newer first: by creation time, then by name (so both nodes order a tie alike).
static bool newer(const TicketKey& a, const TicketKey& b) {
  if (a.created_ms != b.created_ms) return a.created_ms > b.created_ms;
  return std::memcmp(a.name.data(), b.name.data(), a.name.size()) > 0;
}

void TicketKeys::insert_locked(const TicketKey& key) {
  keys_.insert(std::upper_bound(keys_.begin(), keys_.end(), key, newer), key);
  while (keys_.size() > keep_) keys_.pop_back();
  ++version_;
}

void TicketKeys::rotate_locked(uint64_t now) {
  TicketKey key;
  // RAND_bytes fails only when the OS has no entropy to give; a key of
  // zeros would then be guessable, so Tandem stops rather than go on.
  if (RAND_bytes(key.name.data(), key.name.size()) != 1 || RAND_bytes(key.aes.data(), key.aes.size()) != 1 ||
      RAND_bytes(key.hmac.data(), key.hmac.size()) != 1)
    abort();
  // Never older than the newest key held (a peer's clock may be ahead):
  // a rotation always makes the new key current.
  key.created_ms = keys_.empty() ? now : std::max(now, keys_.front().created_ms + 1);
  key.local = true;
  insert_locked(key);
}

TicketKey TicketKeys::current() {
  std::lock_guard lock(mu_);
  const uint64_t now = now_ms();
  const uint64_t period = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(rotate_every_).count());
  if (now >= keys_.front().created_ms + period) rotate_locked(now);
  return keys_.front();
}

std::optional<TicketKey> TicketKeys::find(const uint8_t* name, bool* newest) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (std::memcmp(keys_[i].name.data(), name, keys_[i].name.size()) == 0) {
      *newest = i == 0;
      return keys_[i];
    }
  }
  return std::nullopt;
}

size_t TicketKeys::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

std::vector<TicketKey> TicketKeys::keys() const {
  std::lock_guard lock(mu_);
  return {keys_.begin(), keys_.end()};
}

bool TicketKeys::merge(const TicketKey& key) {
  std::lock_guard lock(mu_);
  for (const TicketKey& k : keys_)
    if (k.name == key.name) return false;
  if (keys_.size() >= keep_ && !newer(key, keys_.back())) return false;
  TicketKey copy = key;
  copy.local = false;
  insert_locked(copy);
  return true;
}

uint64_t TicketKeys::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

void TicketKeys::install(SSL_CTX* ctx, TicketKeys* keys) {
  SSL_CTX_set_ex_data(ctx, app_data_index(), keys);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key);
}

}  // namespace tandem::tls
