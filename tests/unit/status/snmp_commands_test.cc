#define BOOST_TEST_DYN_LINK
#include "daemon/status/snmp_commands.h"

#include <boost/test/unit_test.hpp>

using namespace tandem::status;

namespace {

Oid O(const char* s) { return *Oid::parse(s); }

struct Fixture {
  Fixture() {
    BOOST_REQUIRE(register_snmp_commands(
                      reg,
                      [this](MibView& v) {
                        ++fills;
                        v.add(O("1.3.6.1.4.1.32473.7.1.2.0"), MibValue::string("lb-a"));
                        v.add(O("1.3.6.1.4.1.32473.7.1.3.0"), MibValue::timeticks(12345));
                        v.add(O("1.3.6.1.4.1.32473.7.1.6.0"), MibValue::counter32(2));
                        v.add(O("1.3.6.1.2.1.207.1.1.1.0"), MibValue::integer(3));
                      },
                      [this] { return base; })
                      .ok());
  }
  CommandRegistry reg;
  PeerCredentials peer;
  Oid base = O("1.3.6.1.4.1.32473.7");
  int fills = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(snmp_commands)

BOOST_FIXTURE_TEST_CASE(get_answers_each_oid_in_net_snmp_format, Fixture) {
  Response r = reg.call("get 1.3.6.1.4.1.32473.7.1.2.0 .1.3.6.1.4.1.32473.7.1.9.0", peer);
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r.body ==
             ".1.3.6.1.4.1.32473.7.1.2.0 = STRING: \"lb-a\"\n"
             ".1.3.6.1.4.1.32473.7.1.9.0 = No Such Object available on this agent at this OID\n");
  BOOST_TEST(fills == 1);  // built fresh for the request
}

BOOST_FIXTURE_TEST_CASE(next_and_end_of_mib, Fixture) {
  Response r = reg.call("next 1.3.6.1.4.1.32473.7.1.3.0 1.3.6.1.4.1.32473.7.1.6.0", peer);
  BOOST_TEST(r.body ==
             ".1.3.6.1.4.1.32473.7.1.6.0 = Counter32: 2\n"
             ".1.3.6.1.4.1.32473.7.1.6.0 = No more variables left in this MIB View "
             "(It is past the end of the MIB tree)\n");
}

BOOST_FIXTURE_TEST_CASE(walk_defaults_to_the_base_and_follows_it, Fixture) {
  Response r = reg.call("walk", peer);
  BOOST_TEST(r.body ==
             ".1.3.6.1.4.1.32473.7.1.2.0 = STRING: \"lb-a\"\n"
             ".1.3.6.1.4.1.32473.7.1.3.0 = Timeticks: (12345) 0:02:03.45\n"
             ".1.3.6.1.4.1.32473.7.1.6.0 = Counter32: 2\n");
  BOOST_TEST(reg.call("walk .1.3.6.1.2.1.207", peer).body == ".1.3.6.1.2.1.207.1.1.1.0 = INTEGER: 3\n");
  BOOST_TEST(reg.call("walk 1", peer).body.find(".1.3.6.1.2.1.207") == 0u);
  base = O("1.3.6.1.2.1.207");  // a reload changed oid_base
  BOOST_TEST(reg.call("walk", peer).body == ".1.3.6.1.2.1.207.1.1.1.0 = INTEGER: 3\n");
  BOOST_TEST(reg.call("walk 1.3.6.1.9", peer).body ==
             ".1.3.6.1.9 = No Such Object available on this agent at this OID\n");
}

BOOST_FIXTURE_TEST_CASE(json_answers_are_typed, Fixture) {
  BOOST_TEST(reg.call("get 1.3.6.1.4.1.32473.7.1.3.0 1.3.6.1.4.1.32473.7.1.2.0 1.2 --json", peer).body ==
             "[{\"oid\":\".1.3.6.1.4.1.32473.7.1.3.0\",\"type\":\"Timeticks\",\"value\":12345},"
             "{\"oid\":\".1.3.6.1.4.1.32473.7.1.2.0\",\"type\":\"STRING\",\"value\":\"lb-a\"},"
             "{\"oid\":\".1.2\",\"error\":\"noSuchObject\"}]");
  BOOST_TEST(reg.call("next 9 --json", peer).body == "[{\"oid\":\".9\",\"error\":\"endOfMibView\"}]");
  BOOST_TEST(reg.call("walk 1.3.6.1.2 --json", peer).body ==
             "[{\"oid\":\".1.3.6.1.2.1.207.1.1.1.0\",\"type\":\"INTEGER\",\"value\":3}]");
}

BOOST_FIXTURE_TEST_CASE(bad_oids_and_usage_are_400, Fixture) {
  Response r = reg.call("get 1.3.x", peer);
  BOOST_TEST((r.code == StatusCode::BadRequest));
  BOOST_TEST(r.message.find("bad OID '1.3.x'") != std::string::npos);
  BOOST_TEST(reg.call("get", peer).message == "usage: get OID...");
  BOOST_TEST(reg.call("next", peer).message == "usage: next OID...");
  BOOST_TEST(reg.call("walk 1 2", peer).message == "usage: walk [OID]");
  BOOST_TEST(fills == 0);  // nothing built for a bad request
}

BOOST_AUTO_TEST_SUITE_END()
