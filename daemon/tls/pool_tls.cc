#include "daemon/tls/pool_tls.h"

#include <openssl/err.h>

#include <mutex>

#include "base/openssl_error.h"

namespace tandem::tls {
namespace {

// The latest session of each server of a pool, by server name. Owned by
// the SSL_CTX (freed with it), since connections hold the context, not the
// PoolTls, and a pooled idle connection may outlive its configuration.
struct SessionStore {
  std::mutex mu;
  std::map<std::string, SSL_SESSION*> sessions;
  ~SessionStore() {
    for (auto& [name, s] : sessions) SSL_SESSION_free(s);
  }
};

void free_store(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<SessionStore*>(ptr); }
void free_name(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }

int store_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_store);
  return index;
}

// The server a connection goes to (its name, owned by the SSL).
int server_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_name);
  return index;
}

// A new session from the server (TLS 1.2 handshake, or a TLS 1.3 ticket):
// it replaces the server's previous one. Returning 1 keeps the reference.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* store = static_cast<SessionStore*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), store_index()));
  auto* name = static_cast<std::string*>(SSL_get_ex_data(ssl, server_index()));
  if (store == nullptr || name == nullptr) return 0;
  std::lock_guard lock(store->mu);
  SSL_SESSION*& slot = store->sessions[*name];
  if (slot != nullptr) SSL_SESSION_free(slot);
  slot = session;
  return 1;
}

}  // namespace

base::Result<std::shared_ptr<const PoolTls>> PoolTls::build(const conf::PoolConf& pool) {
  auto error = [&](const std::string& key, const std::string& message) {
    return base::make_error(conf::ConfigError{pool.where.file, pool.where.line, "pool:" + pool.name, key, message}.to_string());
  };
  std::shared_ptr<PoolTls> tls(new PoolTls());
  ERR_clear_error();
  tls->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = tls->ctx_.get();
  if (ctx == nullptr) return error("server", "cannot create a TLS context: " + base::take_openssl_error(base::ErrorEnd::First));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  if (SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1) != 0)  // 0 is success here
    return error("server", "cannot set ALPN: " + base::take_openssl_error(base::ErrorEnd::First));
  bool verifies = false;
  for (const conf::ServerConf& s : pool.servers) {
    if (!s.tls) continue;
    verifies |= s.tls_verify;
    tls->servers_.emplace(s.name, ServerOptions{s.tls_verify, s.tls_sni});
  }
  if (verifies) {
    int loaded = pool.tls_ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx)
                     : SSL_CTX_load_verify_locations(ctx, pool.tls_ca_file.c_str(), nullptr);
    if (loaded != 1)
      return error("tls_ca_file", (pool.tls_ca_file.empty() ? std::string("the system's CAs") : pool.tls_ca_file) +
                                      ": no usable CA certificate: " + base::take_openssl_error(base::ErrorEnd::First));
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(ctx, store_index(), new SessionStore());
  SSL_CTX_sess_set_new_cb(ctx, on_new_session);
  return std::shared_ptr<const PoolTls>(std::move(tls));
}

SSL* PoolTls::new_ssl(const std::string& server) const {
  auto options = servers_.find(server);
  if (options == servers_.end()) return nullptr;
  const ServerOptions& o = options->second;
  base::CPtr<SSL, SSL_free> ssl(SSL_new(ctx_.get()));
  if (!ssl) return nullptr;
  SSL_set_connect_state(ssl.get());
  SSL_set_ex_data(ssl.get(), server_index(), new std::string(server));
  if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl.get(), o.sni.c_str());
  if (o.verify) {
    SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, nullptr);
    if (!o.sni.empty() && SSL_set1_host(ssl.get(), o.sni.c_str()) != 1) return nullptr;
  }
  auto* store = static_cast<SessionStore*>(SSL_CTX_get_ex_data(ctx_.get(), store_index()));
  std::lock_guard lock(store->mu);
  auto it = store->sessions.find(server);
  if (it != store->sessions.end()) SSL_set_session(ssl.get(), it->second);
  return ssl.release();
}

}  // namespace tandem::tls
