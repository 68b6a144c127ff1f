#include "sync/psk_context.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <array>
#include <cstring>
#include <string>

#include "base/openssl_error.h"

namespace tandem::sync {

namespace {

constexpr size_t kPskSize = 48;  // SHA-384's output: the suite's hash
constexpr unsigned char kCipherBytes[2] = {0x13, 0x02};  // TLS_AES_256_GCM_SHA384

struct DerivedKey {
  std::array<unsigned char, kPskSize> bytes{};
};

void free_key(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  auto* key = static_cast<DerivedKey*>(ptr);
  if (key == nullptr) return;
  OPENSSL_cleanse(key->bytes.data(), key->bytes.size());
  delete key;
}

// The ex_data slot of SSL_CTX holding the DerivedKey, made once per process.
int key_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_key);
  return index;
}

const DerivedKey* key_of(SSL* ssl) {
  return static_cast<const DerivedKey*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), key_index()));
}

base::Status derive(std::string_view key, DerivedKey* out) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return base::make_error("HKDF unavailable: " + base::take_openssl_error(base::ErrorEnd::Last));
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kctx == nullptr) return base::make_error("HKDF: " + base::take_openssl_error(base::ErrorEnd::Last));
  char digest[] = "SHA384";
  std::string info(kPskIdentity);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  int rc = EVP_KDF_derive(kctx, out->bytes.data(), out->bytes.size(), params);
  EVP_KDF_CTX_free(kctx);
  if (rc != 1) return base::make_error("HKDF: " + base::take_openssl_error(base::ErrorEnd::Last));
  return {};
}

// A fresh session holding the PSK; OpenSSL takes ownership of it.
SSL_SESSION* psk_session(SSL* ssl) {
  const DerivedKey* key = key_of(ssl);
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kCipherBytes);
  if (key == nullptr || cipher == nullptr) return nullptr;
  SSL_SESSION* session = SSL_SESSION_new();
  if (session == nullptr) return nullptr;
  if (SSL_SESSION_set1_master_key(session, key->bytes.data(), key->bytes.size()) != 1 ||
      SSL_SESSION_set_cipher(session, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

int use_session(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* idlen, SSL_SESSION** sess) {
  // On a HelloRetryRequest the server names the hash; ours is the only one.
  if (md != nullptr && EVP_MD_get_size(md) != static_cast<int>(kPskSize)) return 0;
  SSL_SESSION* session = psk_session(ssl);
  if (session == nullptr) return 0;
  *id = reinterpret_cast<const unsigned char*>(kPskIdentity.data());
  *idlen = kPskIdentity.size();
  *sess = session;
  return 1;
}

int find_session(SSL* ssl, const unsigned char* identity, size_t identity_len, SSL_SESSION** sess) {
  *sess = nullptr;
  if (identity_len != kPskIdentity.size() || std::memcmp(identity, kPskIdentity.data(), identity_len) != 0) {
    return 0;  // not ours: fail the handshake now rather than fall back to certificates we have none of
  }
  *sess = psk_session(ssl);
  return *sess != nullptr ? 1 : 0;
}

base::Result<SslCtxPtr> make_context(bool server, std::string_view key) {
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return base::make_error("SSL_CTX_new: " + base::take_openssl_error(base::ErrorEnd::Last));
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 || SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1) {
    return base::make_error("TLS 1.3: " + base::take_openssl_error(base::ErrorEnd::Last));
  }
  if (SSL_CTX_set_ciphersuites(c, kCipherSuite) != 1) {
    return base::make_error(std::string("cipher suite: ") + base::take_openssl_error(base::ErrorEnd::Last));
  }
  // No SSL_OP_ALLOW_NO_DHE_KEX: psk_ke (no forward secrecy) is never offered or accepted.
  SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);  // the PSK binder is the authentication
  if (server) {
    SSL_CTX_set_num_tickets(c, 0);
    SSL_CTX_set_psk_find_session_callback(c, &find_session);
  } else {
    SSL_CTX_set_psk_use_session_callback(c, &use_session);
  }
  auto* derived = new DerivedKey;
  base::Status st = derive(key, derived);
  if (!st.ok() || key_index() < 0 || SSL_CTX_set_ex_data(c, key_index(), derived) != 1) {
    free_key(nullptr, derived, nullptr, 0, 0, nullptr);
    return st.ok() ? base::make_error("cannot store the key with its TLS context") : st.error();
  }
  return ctx;
}

}  // namespace

base::Result<PskContexts> make_psk_contexts(std::string_view key) {
  if (key.size() < kMinKeySize) {
    return base::make_error("key is " + std::to_string(key.size()) + " bytes, at least " +
                            std::to_string(kMinKeySize) + " needed");
  }
  auto client = make_context(false, key);
  if (!client.ok()) return client.error();
  auto server = make_context(true, key);
  if (!server.ok()) return server.error();
  return PskContexts{std::move(client.value()), std::move(server.value())};
}

}  // namespace tandem::sync
