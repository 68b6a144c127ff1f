#pragma once
// Test certificates made in memory (OpenSSL 3), and a temporary directory
// for the PEM files the code under test reads.
//
//   TestCert c = make_cert(CertSpec().cn({"a.test"}).dns({"a.test", "*.a.test"}));
//   TempDir dir;
//   std::string both = dir.write("a.pem", c.cert_pem() + c.key_pem());
//
// Every certificate is a self-signed ECDSA P-256 one with a fresh key.
// Threading: test thread only.

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "base/c_ptr.h"
#include "conf/config.h"

namespace tandem::testing {

// What make_cert() puts in a certificate, set by chained calls:
//   CertSpec().cn({"a.test"}).dns({"a.test", "*.a.test"}).not_after("20300102030405Z")
struct CertSpec {
  std::vector<std::string> cns;        // subject CN entries, in order
  std::vector<std::string> dns_names;  // subjectAltName DNS entries, in order
  std::vector<std::string> ip_names;   // subjectAltName IP entries (not host names)
  // notAfter / notBefore as ASN.1 GeneralizedTime ("20300102030405Z");
  // empty = 30 days from now / now.
  std::string expires;
  std::string starts;

  CertSpec& cn(std::vector<std::string> v) { cns = std::move(v); return *this; }
  CertSpec& dns(std::vector<std::string> v) { dns_names = std::move(v); return *this; }
  CertSpec& ip(std::vector<std::string> v) { ip_names = std::move(v); return *this; }
  CertSpec& not_after(std::string t) { expires = std::move(t); return *this; }
  CertSpec& not_before(std::string t) { starts = std::move(t); return *this; }
};

struct TestCert {
  base::CPtr<X509, X509_free> x509;
  base::CPtr<EVP_PKEY, EVP_PKEY_free> key;

  std::string cert_pem() const;
  std::string key_pem() const;
  // The key encrypted with `passphrase` (AES-128-CBC).
  std::string encrypted_key_pem(const std::string& passphrase) const;
};

// A self-signed certificate as `spec` says. Aborts the test on an OpenSSL failure.
TestCert make_cert(const CertSpec& spec);

// A directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name; returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A frontend conf with TLS certificates, for FrontendTls::build: name
// `name`, where "tandem.conf":10, the certificate lines at 11, 12, ...
// (`files`: {cert, key} with key "" for a key in the cert file).
conf::FrontendConf tls_frontend(const std::string& name,
                                const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace tandem::testing
