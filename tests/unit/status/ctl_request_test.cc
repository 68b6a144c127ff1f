#define BOOST_TEST_DYN_LINK
#include "daemon/status/ctl_request.h"

#include <boost/test/unit_test.hpp>

using tandem::status::build_ctl_request;

namespace {

std::string line(std::vector<std::string> words, bool json = false) {
  auto r = build_ctl_request(std::move(words), json);
  return r.ok() ? *r : "ERROR: " + r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_request)

BOOST_AUTO_TEST_CASE(maps_words_to_one_line) {
  BOOST_TEST(line({"status"}) == "show status");
  BOOST_TEST(line({"status"}, true) == "show status --json");
  BOOST_TEST(line({"show", "pools"}) == "show pools");
  BOOST_TEST(line({"show", "sync"}) == "show sync");  // future tables pass through
  BOOST_TEST(line({"show", "pools", "--json"}) == "show pools --json");
  BOOST_TEST(line({"get", "1.3.6.1", ".1.3.6.2"}) == "get 1.3.6.1 .1.3.6.2");
  BOOST_TEST(line({"walk"}) == "walk");
  BOOST_TEST(line({"walk", "1.3.6.1.2.1.207"}) == "walk 1.3.6.1.2.1.207");
  BOOST_TEST(line({"server", "drain", "app/be1"}) == "server drain app/be1");
  BOOST_TEST(line({"server", "weight", "app/be1", "0"}) == "server weight app/be1 0");
  BOOST_TEST(line({"reload"}) == "reload");
  BOOST_TEST(line({"failover", "--release"}) == "failover --release");
  BOOST_TEST(line({"help", "server"}) == "help server");
  BOOST_TEST(line({"sync", "reset"}) == "sync reset");  // unknown: the daemon judges
  BOOST_TEST(line({"raw", "show", "pools", "--json"}) == "show pools --json");
}

BOOST_AUTO_TEST_CASE(checks_arguments_locally) {
  BOOST_TEST(line({}).find("no command") != std::string::npos);
  BOOST_TEST(line({"server", "weight", "app/be1"}) == "ERROR: usage: tandemctl server weight POOL/SERVER N");
  BOOST_TEST(line({"server", "weight", "app/be1", "x"}) == "ERROR: usage: tandemctl server weight POOL/SERVER N");
  BOOST_TEST(line({"server", "weight", "app/be1", "-1"}) == "ERROR: usage: tandemctl server weight POOL/SERVER N");
  BOOST_TEST(line({"server", "weight", "appbe1", "3"}) == "ERROR: usage: tandemctl server weight POOL/SERVER N");
  BOOST_TEST(line({"server", "drain", "app/"}) == "ERROR: usage: tandemctl server drain POOL/SERVER");
  BOOST_TEST(line({"server", "drain", "/be1"}) == "ERROR: usage: tandemctl server drain POOL/SERVER");
  BOOST_TEST(line({"server", "drain", "a/b/c"}) == "ERROR: usage: tandemctl server drain POOL/SERVER");
  BOOST_TEST(line({"server", "enable"}) == "ERROR: usage: tandemctl server enable POOL/SERVER");
  BOOST_TEST(line({"server", "explode", "a/b"}).find("usage: tandemctl server disable|enable|drain") !=
             std::string::npos);
  BOOST_TEST(line({"get"}) == "ERROR: usage: tandemctl get OID...");
  BOOST_TEST(line({"get", "1.x"}).find("bad OID '1.x'") != std::string::npos);
  BOOST_TEST(line({"walk", "1", "2"}) == "ERROR: usage: tandemctl walk [OID]");
  BOOST_TEST(line({"show"}).find("usage: tandemctl show") != std::string::npos);
  BOOST_TEST(line({"status", "x"}) == "ERROR: usage: tandemctl status");
  BOOST_TEST(line({"failover", "--now"}) == "ERROR: usage: tandemctl failover [INSTANCE] [--release]");
  BOOST_TEST(line({"failover", "a", "b"}) == "ERROR: usage: tandemctl failover [INSTANCE] [--release]");
  BOOST_TEST(line({"failover", "web", "--release"}) == "failover web --release");
  BOOST_TEST(line({"raw"}) == "ERROR: usage: tandemctl raw LINE");
}

BOOST_AUTO_TEST_CASE(refuses_words_that_would_break_the_line) {
  BOOST_TEST(line({"show", "pools\nreload"}).find("control character") != std::string::npos);
  BOOST_TEST(line({"show", "my pool"}).find("white space") != std::string::npos);
  BOOST_TEST(line({"raw", "help\nreload"}) == "ERROR: raw: the line must be one line");
}

BOOST_AUTO_TEST_SUITE_END()
