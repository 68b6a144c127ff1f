#pragma once
// The TLS contexts of the sync link (docs/sync.md, "The link"): TLS 1.3
// only, authenticated by the pair's pre-shared key (an RFC 8446 external
// PSK, identity kPskIdentity), no certificates at all.
//
//   cipher suite   TLS_AES_256_GCM_SHA384, the only one offered or accepted
//   key exchange   psk_dhe_ke only (an (EC)DHE share on top of the PSK), so
//                  a key that leaks later does not decrypt recorded traffic
//   PSK            HKDF-SHA384(key, salt "", info kPskIdentity), 48 bytes:
//                  the whole key file counts, whatever its length
//   tickets        none are issued: every connection starts from the PSK
//
// A peer holding a different key fails the handshake on both sides (the
// server rejects the PSK binder; the client then gets an alert). A server
// asked for another identity refuses the handshake at once.
//
// Threading: the contexts may be shared by SSL objects on any thread; the
// callbacks read only the key stored with each context.

#include <openssl/ssl.h>

#include <cstddef>
#include <string_view>

#include "base/c_ptr.h"
#include "base/result.h"

namespace tandem::sync {

inline constexpr std::string_view kPskIdentity = "tandem-sync/1";
inline constexpr size_t kMinKeySize = 32;
// The one cipher suite, by name (OpenSSL's spelling) and by its two bytes.
inline constexpr const char* kCipherSuite = "TLS_AES_256_GCM_SHA384";

using SslCtxPtr = base::CPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = base::CPtr<SSL, SSL_free>;

struct PskContexts {
  SslCtxPtr client;  // for the side that dials: SSL_new + SSL_set_connect_state
  SslCtxPtr server;  // for the side that accepts: SSL_new + SSL_set_accept_state
};

// Builds both contexts from the raw key bytes (what `openssl rand -hex 32`
// decodes to; the config code does the decoding). Error: the key is shorter
// than kMinKeySize, or OpenSSL refused a setting (its reason is in the
// message). The derived key lives with each SSL_CTX and is wiped when the
// context is freed; `key` need not outlive the call.
base::Result<PskContexts> make_psk_contexts(std::string_view key);

}  // namespace tandem::sync
