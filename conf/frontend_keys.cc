// The keys of [frontend:NAME].

#include <string>

#include "conf/file_checks.h"
#include "conf/key_rules.h"
#include "conf/keywords.h"
#include "conf/route_line.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

// Far beyond any real frontend; keeps a runaway file's routes bounded.
constexpr size_t kMaxRoutes = 10000;
constexpr size_t kMaxCerts = 1000;

Status add_bind(FrontendConf& f, std::string_view v, const KeyContext& ctx) {
  if (v.find_first_of(" \t") != std::string_view::npos)
    return make_error("one address per line: " + quote(v) + " (repeat 'bind' for more addresses)");
  auto a = base::SocketAddress::parse(v, ctx.options.resolve_hosts);
  if (!a) return a.error();
  f.binds.push_back(*a);
  return {};
}

Status set_pool(FrontendConf& f, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "pool name"); !s) return s;
  f.pool = std::string(v);
  return {};
}

Status add_route(FrontendConf& f, std::string_view v, const KeyContext& ctx) {
  if (f.routes.size() >= kMaxRoutes)
    return make_error("too many routes in one frontend (at most " + std::to_string(kMaxRoutes) + ")");
  auto r = parse_route_line(v);
  if (!r) return r.error();
  r->where = ctx.where;
  f.routes.push_back(std::move(*r));
  return {};
}

// `min_body_rate = SIZE[/s]`: bytes per second.
Status set_min_body_rate(FrontendConf& f, std::string_view v, const KeyContext&) {
  std::string_view size = v.ends_with("/s") ? v.substr(0, v.size() - 2) : v;
  auto n = parse_size(size, 0, kGiB);
  if (!n) return n.error();
  f.min_body_rate = *n;
  return {};
}

// `request_id_header = FIELD | none`
Status set_request_id_header(FrontendConf& f, std::string_view v, const KeyContext&) {
  if (iequals(v, "none")) {
    f.request_id_header.clear();
    return {};
  }
  if (auto s = check_token(v, "header name"); !s) return make_error(s.error().message + "; expected a field name or 'none'");
  f.request_id_header = std::string(v);
  return {};
}

// `access_log = PATH | syslog | none`
Status set_access_log(FrontendConf& f, std::string_view v, const KeyContext&) {
  if (iequals(v, "none")) {
    f.access_log.clear();
    return {};
  }
  if (iequals(v, "syslog")) {
    f.access_log = "syslog";
    return {};
  }
  if (auto s = check_log_path(v); !s) return s;
  f.access_log = std::string(v);
  return {};
}

// `tls_cert = CERT_FILE [KEY_FILE]`
Status add_tls_cert(FrontendConf& f, std::string_view v, const KeyContext& ctx) {
  if (f.tls_certs.size() >= kMaxCerts)
    return make_error("too many certificates in one frontend (at most " + std::to_string(kMaxCerts) + ")");
  auto words = split_words(v);
  if (words.size() > 2) return make_error("expected 'tls_cert = CERT_FILE [KEY_FILE]' (paths without blanks)");
  if (auto s = check_readable_file(words[0], "certificate"); !s) return s;
  if (words.size() == 2)
    if (auto s = check_readable_file(words[1], "key"); !s) return s;
  TlsCertConf c;
  c.cert_file = std::string(words[0]);
  if (words.size() == 2) c.key_file = std::string(words[1]);
  c.where = ctx.where;
  f.tls_certs.push_back(std::move(c));
  return {};
}

Status set_tls_min_version(FrontendConf& f, std::string_view v, const KeyContext&) {
  static constexpr std::string_view kVersions[] = {"1.2", "1.3"};
  for (std::string_view version : kVersions) {
    if (v == version) {
      f.tls_min_version = std::string(v);
      return {};
    }
  }
  return make_error(unknown_keyword_message(v, kVersions));
}

// Passed to OpenSSL as written, which checks it when the frontend is set up.
template <auto Member>
Status set_text(FrontendConf& f, std::string_view v, const KeyContext&) {
  f.*Member = std::string(v);
  return {};
}

using F = FrontendConf;

constexpr KeyRule<FrontendConf> kFrontendKeys[] = {
    {"bind", kList, add_bind},
    {"mode", kSingle, set_keyword<F, &F::mode, kModes>},
    {"pool", kSingle, set_pool},
    {"max_connections", kSingle, set_count<F, &F::max_connections, 1, 10000000, true>},
    {"backlog", kSingle, set_count<F, &F::backlog, 1, 65535>},
    {"timeout_client", kSingle, set_duration<F, &F::timeout_client, kMs, 24 * kHour>},
    {"splice", kSingle, set_keyword<F, &F::splice, kSpliceModes>},
    {"half_close", kSingle, set_bool<F, &F::half_close>},
    // mode = http (http_checks.cc refuses them on tcp frontends)
    {"route", kList, add_route},
    {"max_head_size", kSingle, set_size<F, &F::max_head_size, kKiB, kMiB>},
    {"max_header_line", kSingle, set_size<F, &F::max_header_line, 256, kMiB>},
    {"max_headers", kSingle, set_count<F, &F::max_headers, 1, 10000, true>},
    {"timeout_request", kSingle, set_duration<F, &F::timeout_request, kMs, kHour>},
    {"timeout_keepalive", kSingle, set_duration<F, &F::timeout_keepalive, 0, kHour>},
    {"min_body_rate", kSingle, set_min_body_rate},
    {"max_body_size", kSingle, set_size<F, &F::max_body_size, 0, kTiB>},
    {"forwarded", kSingle, set_keyword<F, &F::forwarded, kForwardedModes>},
    {"request_id_header", kSingle, set_request_id_header},
    {"access_log", kSingle, set_access_log},
    {"tls_cert", kList, add_tls_cert},
    {"tls_min_version", kSingle, set_tls_min_version},
    {"tls_ciphers", kSingle, set_text<&F::tls_ciphers>},
    {"tls_ciphersuites", kSingle, set_text<&F::tls_ciphersuites>},
    {"tls_session_cache", kSingle, set_count<F, &F::tls_session_cache, 0, 10000000, true>},
    {"tls_tickets", kSingle, set_bool<F, &F::tls_tickets>},
    // protections, per client address
    {"limit_connections", kSingle, set_count<F, &F::limit_connections, 0, 10000000, true>},
    {"limit_connection_rate", kSingle, set_rate<F, &F::limit_connection_rate, 1000000>},
    {"limit_request_rate", kSingle, set_rate<F, &F::limit_request_rate, 1000000>},
    {"limit_table_size", kSingle, set_count<F, &F::limit_table_size, 1, 10000000, true>},
};

}  // namespace

std::span<const KeyRule<FrontendConf>> frontend_keys() { return kFrontendKeys; }

}  // namespace tandem::conf
