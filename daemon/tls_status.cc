#include "daemon/tls_status.h"

#include "daemon/tls/frontend_tls.h"

namespace tandem {

status::Table tls_frontends_table(const runtime::RuntimeSnapshot& snapshot) {
  status::Table t({"frontend", "handshakes", "resumed", "failures"});
  for (const auto& fe : snapshot.frontends) {
    if (!fe.tls) continue;
    runtime::TrafficTotals tt = fe.state->traffic().totals();
    t.add_row({fe.conf->name, tt.tls_handshakes, tt.tls_resumed, tt.tls_failures});
  }
  return t;
}

status::Table tls_certificates_table(const runtime::RuntimeSnapshot& snapshot) {
  status::Table t({"frontend", "file", "names", "not_after"});
  for (const auto& fe : snapshot.frontends) {
    if (!fe.tls) continue;
    for (const tls::FrontendTls::CertInfo& cert : fe.tls->certificates()) {
      std::string names;
      for (const std::string& n : cert.names) names += (names.empty() ? "" : ",") + n;
      t.add_row({fe.conf->name, cert.file, names, cert.not_after});
    }
  }
  return t;
}

}  // namespace tandem
