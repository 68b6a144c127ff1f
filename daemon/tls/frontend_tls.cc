#include "daemon/tls/frontend_tls.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/log.h"
#include "daemon/tls/cert_names.h"
#include "base/openssl_error.h"

namespace tandem::tls {
namespace {

constexpr std::string_view kHttp11 = "http/1.1";

base::Error cert_error(const conf::FrontendConf& fe, const conf::TlsCertConf& cert, const std::string& message) {
  return base::make_error(
      conf::ConfigError{cert.where.file, cert.where.line, "frontend:" + fe.name, "tls_cert", message}.to_string());
}

base::Error frontend_error(const conf::FrontendConf& fe, const std::string& key, const std::string& message) {
  return base::make_error(conf::ConfigError{fe.where.file, fe.where.line, "frontend:" + fe.name, key, message}.to_string());
}

// A key protected by a passphrase would make OpenSSL prompt on the terminal
// (and block the daemon); refuse it instead.
int no_passphrase(char*, int, int, void*) { return -1; }

// ALPN (RFC 7301): http/1.1 if offered; a client offering only protocols
// Tandem does not speak (e.g. h2 alone) gets no_application_protocol.
int on_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned int in_len,
            void*) {
  for (unsigned int i = 0; i < in_len;) {
    unsigned int len = in[i];
    if (i + 1 + len > in_len) break;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == kHttp11) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// SNI: moves the handshake to the certificate that serves the name.
int on_servername(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
  std::string host(name);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  SSL_CTX* ctx = static_cast<const FrontendTls*>(arg)->context_for(host);
  if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;
}

// The settings every context of the frontend shares.
base::Status configure(SSL_CTX* ctx, const conf::FrontendConf& fe, TicketKeys* keys) {
  SSL_CTX_set_min_proto_version(ctx, fe.tls_min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  // No renegotiation (a client could make the server redo handshakes at
  // will); the server's cipher order; a close without close_notify is an
  // end of stream like any other (HTTP framing tells truncation apart).
  uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF;
  if (!fe.tls_tickets) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);
  // Partial writes of moving buffers: the session writes from its flow
  // buffers as they are; buffers released while idle (keep-alive clients).
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (!fe.tls_ciphers.empty() && SSL_CTX_set_cipher_list(ctx, fe.tls_ciphers.c_str()) != 1)
    return frontend_error(fe, "tls_ciphers", "no usable cipher in '" + fe.tls_ciphers + "': " + base::take_openssl_error(base::ErrorEnd::First));
  if (!fe.tls_ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, fe.tls_ciphersuites.c_str()) != 1)
    return frontend_error(fe, "tls_ciphersuites",
                          "no usable suite in '" + fe.tls_ciphersuites + "': " + base::take_openssl_error(base::ErrorEnd::First));
  if (fe.tls_session_cache > 0) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(fe.tls_session_cache));
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    // TLS 1.3 without tickets would resume from the cache: no cache, no tickets.
    if (!fe.tls_tickets) SSL_CTX_set_num_tickets(ctx, 0);
  }
  // Sessions resume only on the frontend that made them.
  std::string id = fe.name.substr(0, SSL_MAX_SID_CTX_LENGTH);
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(id.data()), static_cast<unsigned>(id.size()));
  SSL_CTX_set_alpn_select_cb(ctx, on_alpn, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (fe.tls_tickets) TicketKeys::install(ctx, keys);
  return {};
}

std::string time_text(const ASN1_TIME* t) {
  base::CPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(std::max(n, 0L)));
}

}  // namespace

base::Result<std::shared_ptr<const FrontendTls>> FrontendTls::build(const conf::FrontendConf& fe,
                                                                    std::shared_ptr<TicketKeys> keys) {
  std::shared_ptr<FrontendTls> tls(new FrontendTls());
  tls->keys_ = std::move(keys);
  ERR_clear_error();
  for (const conf::TlsCertConf& cert : fe.tls_certs) {
    base::CPtr<SSL_CTX, SSL_CTX_free> ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return cert_error(fe, cert, "cannot create a TLS context: " + base::take_openssl_error(base::ErrorEnd::First));
    if (base::Status s = configure(ctx.get(), fe, tls->keys_.get()); !s) return s.error();
    const std::string& key_file = cert.key_file.empty() ? cert.cert_file : cert.key_file;
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.cert_file.c_str()) != 1)
      return cert_error(fe, cert, cert.cert_file + ": no usable certificate: " + base::take_openssl_error(base::ErrorEnd::First));
    // OpenSSL checks that the key matches the certificate as it loads it.
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
        ERR_clear_error();
        return cert_error(fe, cert, key_file + ": the key does not match the certificate " + cert.cert_file);
      }
      return cert_error(fe, cert, key_file + ": no usable private key (PEM, without passphrase): " + base::take_openssl_error(base::ErrorEnd::First));
    }
    X509* x509 = SSL_CTX_get0_certificate(ctx.get());
    CertInfo info{cert.cert_file, certificate_names(x509), time_text(X509_get0_notAfter(x509))};
    if (X509_cmp_current_time(X509_get0_notAfter(x509)) < 0)
      TLOG_WARN("%s:%d: [frontend:%s] tls_cert: %s expired on %s", cert.where.file.c_str(), cert.where.line,
                fe.name.c_str(), cert.cert_file.c_str(), info.not_after.c_str());
    size_t index = tls->contexts_.size();
    for (const std::string& name : info.names) {
      std::string_view suffix = wildcard_suffix(name);
      if (suffix.empty()) tls->exact_.emplace(name, index);  // emplace: the earlier line keeps a name
      else tls->wildcard_.emplace(std::string(suffix), index);
    }
    tls->contexts_.push_back(std::move(ctx));
    tls->info_.push_back(std::move(info));
  }
  for (auto& ctx : tls->contexts_) {
    SSL_CTX_set_tlsext_servername_callback(ctx.get(), on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx.get(), tls.get());
  }
  return std::shared_ptr<const FrontendTls>(std::move(tls));
}

SSL* FrontendTls::new_ssl() const {
  SSL* ssl = SSL_new(contexts_.front().get());
  if (ssl != nullptr) SSL_set_accept_state(ssl);
  return ssl;
}

SSL_CTX* FrontendTls::context_for(std::string_view host) const {
  std::string key(host);
  if (auto it = exact_.find(key); it != exact_.end()) return contexts_[it->second].get();
  if (std::string_view parent = parent_of(host); !parent.empty()) {
    if (auto it = wildcard_.find(std::string(parent)); it != wildcard_.end()) return contexts_[it->second].get();
  }
  return contexts_.front().get();
}

}  // namespace tandem::tls
