#define BOOST_TEST_DYN_LINK
#include "daemon/status/command_registry.h"

#include <boost/test/unit_test.hpp>

#include "tests/unit/status/printers.h"

#include <optional>
#include <stdexcept>

using tandem::status::Access;
using tandem::status::Command;
using tandem::status::CommandRegistry;
using tandem::status::PeerCredentials;
using tandem::status::Request;
using tandem::status::Responder;
using tandem::status::Response;
using tandem::status::StatusCode;

namespace {

PeerCredentials root() {
  PeerCredentials p;
  p.uid = 0;
  p.gid = 0;
  p.pid = 1;
  return p;
}

PeerCredentials user() {
  PeerCredentials p;
  p.uid = 1000;
  p.gid = 1000;
  p.pid = 2;
  return p;
}

// Echoes what the handler saw: command, args, json.
Response echo(const Request& r) {
  std::string body = r.command + "|";
  for (const auto& a : r.args) body += a + ",";
  body += r.json ? "|json" : "|text";
  return Response::ok(body);
}

Command cmd(std::string words, Access access = Access::Read, std::string args = "") {
  return Command{.words = std::move(words),
                 .args = std::move(args),
                 .summary = "does things",
                 .access = access,
                 .handler = echo};
}

struct Fixture {
  Fixture() {
    BOOST_REQUIRE(reg.add(cmd("show pools", Access::Read, "[POOL]")).ok());
    BOOST_REQUIRE(reg.add(cmd("show pools detail")).ok());
    BOOST_REQUIRE(reg.add(cmd("show status")).ok());
    BOOST_REQUIRE(reg.add(cmd("server weight", Access::Admin, "POOL/SERVER N")).ok());
  }
  CommandRegistry reg;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(command_registry)

BOOST_FIXTURE_TEST_CASE(dispatches_by_longest_word_prefix, Fixture) {
  BOOST_TEST(reg.call("show pools", root()).body == "show pools||text");
  BOOST_TEST(reg.call("show pools app", root()).body == "show pools|app,|text");
  BOOST_TEST(reg.call("show pools detail x", root()).body == "show pools detail|x,|text");
  BOOST_TEST(reg.call("  show\tpools   app  ", root()).body == "show pools|app,|text");
  BOOST_TEST((reg.call("show poolsx", root()).code == StatusCode::BadRequest));  // words, not text
}

BOOST_FIXTURE_TEST_CASE(json_flag_leading_or_trailing, Fixture) {
  BOOST_TEST(reg.call("show pools --json", root()).body == "show pools||json");
  BOOST_TEST(reg.call("--json show pools app", root()).body == "show pools|app,|json");
  BOOST_TEST(reg.call("show pools app", root()).body == "show pools|app,|text");
}

BOOST_FIXTURE_TEST_CASE(unknown_and_incomplete_commands_get_400_with_a_hint, Fixture) {
  Response r = reg.call("frobnicate now", root());
  BOOST_TEST((r.code == StatusCode::BadRequest));
  BOOST_TEST(r.message == "unknown command 'frobnicate'; try 'help'");
  r = reg.call("show nothing", root());
  BOOST_TEST(r.message == "unknown command 'show nothing'; try 'help show'");
  BOOST_TEST(r.body.find("show pools [POOL]") != std::string::npos);
  BOOST_TEST(r.body.find("show status") != std::string::npos);
  BOOST_TEST(r.body.find("server weight") == std::string::npos);
  r = reg.call("show", root());
  BOOST_TEST(r.message == "incomplete command 'show'; try 'help show'");
  r = reg.call("   ", root());
  BOOST_TEST((r.code == StatusCode::BadRequest));
  BOOST_TEST(r.message.find("empty") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(admin_commands_need_root, Fixture) {
  Response r = reg.call("server weight app/be1 5", user());
  BOOST_TEST((r.code == StatusCode::Forbidden));
  BOOST_TEST(r.message == "permission denied: server weight needs root");
  BOOST_TEST(reg.call("server weight app/be1 5", root()).body == "server weight|app/be1,5,|text");
  BOOST_TEST(reg.call("show pools", user()).is_ok());
  PeerCredentials unknown;  // SO_PEERCRED failed: not root
  BOOST_TEST((reg.call("server weight a/b 1", unknown).code == StatusCode::Forbidden));
}

BOOST_FIXTURE_TEST_CASE(help_lists_commands_with_summary_and_access, Fixture) {
  Response r = reg.call("help", user());
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r.body.find("help [COMMAND]") != std::string::npos);
  BOOST_TEST(r.body.find("server weight POOL/SERVER N  does things (root)") != std::string::npos);
  BOOST_TEST(r.body.find("show pools [POOL]            does things\n") != std::string::npos);
  r = reg.call("help server", user());
  BOOST_TEST(r.body == "server weight POOL/SERVER N  does things (root)\n");
  r = reg.call("help nothing", user());
  BOOST_TEST((r.code == StatusCode::NotFound));
  r = reg.call("help show status --json", user());
  BOOST_TEST(r.body == "[{\"command\":\"show status\",\"args\":\"\",\"summary\":\"does things\",\"access\":\"read\"}]");
}

BOOST_FIXTURE_TEST_CASE(usage_is_prepared_for_handlers, Fixture) {
  BOOST_REQUIRE(reg.add(Command{.words = "needs arg",
                                .args = "NAME",
                                .summary = "s",
                                .access = Access::Read,
                                .handler = [](const Request& r) {
                                  return r.args.size() == 1 ? Response::ok() : Response::bad_usage(r);
                                }})
                    .ok());
  Response r = reg.call("needs arg", root());
  BOOST_TEST((r.code == StatusCode::BadRequest));
  BOOST_TEST(r.message == "usage: needs arg NAME");
}

BOOST_FIXTURE_TEST_CASE(registration_errors, Fixture) {
  BOOST_TEST(!reg.add(cmd("show pools")).ok());  // twice
  BOOST_TEST(!reg.add(cmd("show  pools")).ok());  // same words, other spacing
  BOOST_TEST(!reg.add(cmd("")).ok());
  BOOST_TEST(!reg.add(cmd("Show Caps")).ok());
  Command none = cmd("no handler");
  none.handler = nullptr;
  BOOST_TEST(!reg.add(none).ok());
  Command both = cmd("two handlers");
  both.async_handler = [](const Request&, Responder) {};
  BOOST_TEST(!reg.add(both).ok());
  BOOST_TEST(reg.remove("show status"));
  BOOST_TEST(!reg.remove("show status"));
  BOOST_TEST(reg.find("show status") == nullptr);
  BOOST_TEST(reg.find("show pools") != nullptr);
}

BOOST_FIXTURE_TEST_CASE(a_throwing_handler_is_answered_500, Fixture) {
  BOOST_REQUIRE(reg.add(Command{.words = "boom",
                                .args = "",
                                .summary = "s",
                                .access = Access::Read,
                                .handler = [](const Request&) -> Response { throw std::runtime_error("kaput"); }})
                    .ok());
  Response r = reg.call("boom", root());
  BOOST_TEST((r.code == StatusCode::Failed));
  BOOST_TEST(r.message == "internal error: kaput");
}

BOOST_FIXTURE_TEST_CASE(async_handlers_answer_later_through_the_responder, Fixture) {
  std::optional<Responder> held;
  BOOST_REQUIRE(reg.add(Command{.words = "failover",
                                .args = "",
                                .summary = "s",
                                .access = Access::Admin,
                                .handler = {},
                                .async_handler = [&](const Request&, Responder r) { held.emplace(std::move(r)); }})
                    .ok());
  std::optional<Response> got;
  reg.dispatch("failover", root(), Responder([&](Response&& r) { got = std::move(r); }));
  BOOST_TEST(!got.has_value());
  BOOST_REQUIRE(held.has_value());
  held->reply(Response::ok("done"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->body == "done");
  // Privilege is checked before an async handler runs too.
  held.reset();
  got.reset();
  reg.dispatch("failover", user(), Responder([&](Response&& r) { got = std::move(r); }));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((got->code == StatusCode::Forbidden));
  BOOST_TEST(!held.has_value());
  // call() on a command that has not answered yet says so, and a later
  // reply into it is harmless.
  BOOST_TEST(reg.call("failover", root()).message == "answer pending");
  BOOST_REQUIRE(held.has_value());
  held->reply(Response::ok());
}

BOOST_AUTO_TEST_SUITE_END()
