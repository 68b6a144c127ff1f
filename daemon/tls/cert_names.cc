#include "daemon/tls/cert_names.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

namespace tandem::tls {
namespace {

std::string lower(const unsigned char* data, int length) {
  std::string s(reinterpret_cast<const char*>(data), static_cast<size_t>(std::max(length, 0)));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      names.push_back(lower(ASN1_STRING_get0_data(gn->d.dNSName), ASN1_STRING_length(gn->d.dNSName)));
    }
    GENERAL_NAMES_free(sans);
  }
  if (!names.empty()) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    names.push_back(lower(ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn)));
  }
  return names;
}

std::string_view wildcard_suffix(std::string_view name) {
  if (name.size() > 2 && name.substr(0, 2) == "*.") return name.substr(2);
  return {};
}

std::string_view parent_of(std::string_view host) {
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot + 1 >= host.size()) return {};
  return host.substr(dot + 1);
}

}  // namespace tandem::tls
