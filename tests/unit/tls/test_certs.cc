#define BOOST_TEST_DYN_LINK
#include "tests/unit/tls/test_certs.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

namespace tandem::testing {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n > 0 ? n : 0));
}

void set_time(ASN1_TIME* t, const std::string& text, long default_offset_seconds) {
  if (text.empty()) {
    BOOST_REQUIRE(X509_gmtime_adj(t, default_offset_seconds) != nullptr);
  } else {
    BOOST_REQUIRE_MESSAGE(ASN1_TIME_set_string_X509(t, text.c_str()) == 1, "bad time " << text);
  }
}

void add_san(X509* x, const CertSpec& spec) {
  std::string value;
  for (const std::string& d : spec.dns_names) value += (value.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const std::string& ip : spec.ip_names) value += (value.empty() ? "" : ",") + std::string("IP:") + ip;
  if (value.empty()) return;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str());
  BOOST_REQUIRE_MESSAGE(ext != nullptr, "bad subjectAltName " << value);
  BOOST_REQUIRE(X509_add_ext(x, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

}  // namespace

std::string TestCert::cert_pem() const {
  base::CPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  BOOST_REQUIRE(PEM_write_bio_X509(bio.get(), x509.get()) == 1);
  return bio_text(bio.get());
}

std::string TestCert::key_pem() const {
  base::CPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  BOOST_REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return bio_text(bio.get());
}

std::string TestCert::encrypted_key_pem(const std::string& passphrase) const {
  base::CPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase.data()));
  BOOST_REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), EVP_aes_128_cbc(), pass,
                                         static_cast<int>(passphrase.size()), nullptr, nullptr) == 1);
  return bio_text(bio.get());
}

TestCert make_cert(const CertSpec& spec) {
  static long serial = 1;
  TestCert c;
  c.key.reset(EVP_EC_gen("P-256"));
  BOOST_REQUIRE(c.key != nullptr);
  c.x509.reset(X509_new());
  X509* x = c.x509.get();
  BOOST_REQUIRE(x != nullptr);
  BOOST_REQUIRE(X509_set_version(x, X509_VERSION_3) == 1);
  BOOST_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1);
  set_time(X509_getm_notBefore(x), spec.starts, 0);
  set_time(X509_getm_notAfter(x), spec.expires, 30L * 24 * 3600);
  BOOST_REQUIRE(X509_set_pubkey(x, c.key.get()) == 1);
  X509_NAME* name = X509_get_subject_name(x);
  for (const std::string& cn : spec.cns) {
    BOOST_REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1);
  }
  BOOST_REQUIRE(X509_set_issuer_name(x, name) == 1);
  add_san(x, spec);
  BOOST_REQUIRE(X509_sign(x, c.key.get(), EVP_sha256()) > 0);
  return c;
}

TempDir::TempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tandem-tls-test.XXXXXX";
  BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << file);
  return file;
}

conf::FrontendConf tls_frontend(const std::string& name,
                                const std::vector<std::pair<std::string, std::string>>& files) {
  conf::FrontendConf fe;
  fe.name = name;
  fe.mode = conf::Mode::Http;
  fe.where = conf::SourceLocation{"tandem.conf", 10};
  int line = 11;
  for (const auto& [cert, key] : files) {
    conf::TlsCertConf& c = fe.tls_certs.emplace_back();
    c.cert_file = cert;
    c.key_file = key;
    c.where = conf::SourceLocation{"tandem.conf", line++};
  }
  return fe;
}

}  // namespace tandem::testing
