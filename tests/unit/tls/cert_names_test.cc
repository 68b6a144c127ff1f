#define BOOST_TEST_DYN_LINK
#include "daemon/tls/cert_names.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/unit/tls/test_certs.h"

using tandem::testing::CertSpec;
using tandem::testing::make_cert;
using tandem::tls::certificate_names;
using tandem::tls::parent_of;
using tandem::tls::wildcard_suffix;
using Names = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(cert_names)

BOOST_AUTO_TEST_CASE(dns_names_in_order_and_lower_case) {
  auto c = make_cert(CertSpec().cn({"ignored.test"}).dns({"WWW.A.Test", "a.test", "*.B.TEST"}));
  BOOST_TEST(certificate_names(c.x509.get()) == (Names{"www.a.test", "a.test", "*.b.test"}));
}

BOOST_AUTO_TEST_CASE(the_cn_is_used_only_without_a_dns_name) {
  auto with_dns = make_cert(CertSpec().cn({"cn.test"}).dns({"san.test"}));
  BOOST_TEST(certificate_names(with_dns.x509.get()) == (Names{"san.test"}));
  auto cn_only = make_cert(CertSpec().cn({"CN.Test"}));
  BOOST_TEST(certificate_names(cn_only.x509.get()) == (Names{"cn.test"}));
}

BOOST_AUTO_TEST_CASE(a_san_without_dns_names_falls_back_to_the_cn) {
  auto c = make_cert(CertSpec().cn({"host.test"}).ip({"192.0.2.7"}));
  BOOST_TEST(certificate_names(c.x509.get()) == (Names{"host.test"}));
}

BOOST_AUTO_TEST_CASE(several_cns_all_count) {
  auto c = make_cert(CertSpec().cn({"one.test", "TWO.test", "*.three.test"}));
  BOOST_TEST(certificate_names(c.x509.get()) == (Names{"one.test", "two.test", "*.three.test"}));
}

BOOST_AUTO_TEST_CASE(no_name_at_all_is_empty) {
  auto c = make_cert({});
  BOOST_TEST(certificate_names(c.x509.get()).empty());
}

BOOST_AUTO_TEST_CASE(wildcard_suffix_of_patterns) {
  BOOST_TEST(wildcard_suffix("*.b.test") == "b.test");
  BOOST_TEST(wildcard_suffix("*.test") == "test");
  BOOST_TEST(wildcard_suffix("b.test") == "");
  BOOST_TEST(wildcard_suffix("x*.b.test") == "");
  BOOST_TEST(wildcard_suffix("*b.test") == "");
  BOOST_TEST(wildcard_suffix("*.") == "");
  BOOST_TEST(wildcard_suffix("*") == "");
  BOOST_TEST(wildcard_suffix("") == "");
}

BOOST_AUTO_TEST_CASE(parent_of_hosts) {
  BOOST_TEST(parent_of("www.a.test") == "a.test");
  BOOST_TEST(parent_of("a.test") == "test");
  BOOST_TEST(parent_of("a.b.c.test") == "b.c.test");
  BOOST_TEST(parent_of("localhost") == "");
  BOOST_TEST(parent_of("localhost.") == "");
  BOOST_TEST(parent_of("") == "");
}

BOOST_AUTO_TEST_SUITE_END()
