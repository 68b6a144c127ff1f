#define BOOST_TEST_DYN_LINK
#include "daemon/status/protocol.h"

#include <boost/test/unit_test.hpp>

#include "daemon/status/status_client.h"

using tandem::status::encode_response;
using tandem::status::parse_response;
using tandem::status::ParsedResponse;
using tandem::status::Responder;
using tandem::status::Response;
using tandem::status::StatusCode;

namespace {

std::string wire(const Response& r) {
  std::string out;
  encode_response(r, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(protocol)

BOOST_AUTO_TEST_CASE(encodes_ok_and_err_with_the_ending_empty_line) {
  BOOST_TEST(wire(Response::ok()) == "OK\n\n");
  BOOST_TEST(wire(Response::ok("a\nb\n")) == "OK\na\nb\n\n");
  BOOST_TEST(wire(Response::ok("a\nb")) == "OK\na\nb\n\n");
  BOOST_TEST(wire(Response::error(StatusCode::NotFound, "no such pool 'x'")) == "ERR 404 no such pool 'x'\n\n");
  BOOST_TEST(wire(Response::error(StatusCode::BadRequest, "usage: x", "hint\n")) == "ERR 400 usage: x\nhint\n\n");
  Response r;
  r.line("one").line("two");
  BOOST_TEST(wire(r) == "OK\none\ntwo\n\n");
}

BOOST_AUTO_TEST_CASE(body_lines_are_never_empty_and_messages_one_line) {
  BOOST_TEST(wire(Response::ok("a\n\nb\r\n\r\nc")) == "OK\na\n \nb\n \nc\n\n");
  BOOST_TEST(wire(Response::ok("\n")) == "OK\n \n\n");
  BOOST_TEST(wire(Response::ok(std::string("x\0y", 3))) == "OK\nx y\n\n");
  BOOST_TEST(wire(Response::error(StatusCode::Failed, "two\nlines\n")) == "ERR 500 two lines\n\n");
  BOOST_TEST(wire(Response::error(StatusCode::Conflict, "")) == "ERR 409 conflict\n\n");
}

BOOST_AUTO_TEST_CASE(parse_reads_back_what_encode_wrote) {
  ParsedResponse p;
  std::string buf = wire(Response::ok("a\n\nb")) + wire(Response::error(StatusCode::Forbidden, "permission denied: reload needs root", "x"));
  auto used = parse_response(buf, p);
  BOOST_REQUIRE(used.has_value());
  BOOST_TEST(p.ok());
  BOOST_TEST(p.body.size() == 3u);
  BOOST_TEST(p.body[1] == " ");
  buf.erase(0, *used);
  used = parse_response(buf, p);
  BOOST_REQUIRE(used.has_value());
  BOOST_TEST(*used == buf.size());
  BOOST_TEST(p.code == 403);
  BOOST_TEST(p.message == "permission denied: reload needs root");
  BOOST_TEST(p.body == std::vector<std::string>{"x"});
}

BOOST_AUTO_TEST_CASE(parse_waits_for_the_end_and_flags_garbage) {
  ParsedResponse p;
  BOOST_TEST(!parse_response("OK\nline\n", p).has_value());
  BOOST_TEST(!parse_response("", p).has_value());
  BOOST_REQUIRE(parse_response("ERR 400\n\n", p).has_value());
  BOOST_TEST(p.code == 400);
  BOOST_TEST(p.message == "");
  BOOST_REQUIRE(parse_response("HELLO\n\n", p).has_value());
  BOOST_TEST(p.code == 0);
  BOOST_REQUIRE(parse_response("ERR 4x4 y\n\n", p).has_value());
  BOOST_TEST(p.code == 0);
}

BOOST_AUTO_TEST_CASE(responder_replies_once_and_answers_500_when_dropped) {
  std::vector<Response> got;
  {
    Responder r([&](Response&& resp) { got.push_back(std::move(resp)); });
    BOOST_TEST(!r.replied());
    r.reply(Response::ok("first"));
    r.reply(Response::ok("second"));  // ignored
    BOOST_TEST(r.replied());
  }
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].body == "first");
  {
    Responder r([&](Response&& resp) { got.push_back(std::move(resp)); });
    Responder moved = std::move(r);  // the moved-from one must not answer
  }
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST((got[1].code == StatusCode::Failed));
  BOOST_TEST(got[1].message.find("no answer") != std::string::npos);
  bool alive = true;
  Responder r([](Response&&) {}, [&] { return alive; });
  BOOST_TEST(!r.client_gone());
  alive = false;
  BOOST_TEST(r.client_gone());
  BOOST_TEST(!Responder().client_gone());
}

BOOST_AUTO_TEST_SUITE_END()
