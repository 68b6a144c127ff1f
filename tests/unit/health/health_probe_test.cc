#define BOOST_TEST_DYN_LINK
#include "daemon/health/health_probe.h"

#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>

#include "tests/unit/health/health_test_support.h"

using namespace std::chrono_literals;
using tandem::base::SocketAddress;
using tandem::health::CheckKind;
using tandem::health::CheckParams;
using tandem::health::CheckResult;
using tandem::health::HealthProbe;
using tandem::health::testing::closed_port;
using tandem::health::testing::listen_loopback;
using tandem::health::testing::local_address;
using tandem::health::testing::open_fd_count;
using tandem::health::testing::Responder;
using tandem::health::testing::TestLoop;

namespace {

// One probe on its own loop; collects results.
struct ProbeRun {
  TestLoop loop;
  int results = 0;
  std::optional<CheckResult> last;
  HealthProbe probe{loop.get(), &ProbeRun::done, this};

  static void done(void* owner, const CheckResult& r) {
    auto* self = static_cast<ProbeRun*>(owner);
    ++self->results;
    self->last = r;
  }

  // Begins one probe and waits (bounded) for its result.
  CheckResult run(const CheckParams& p) {
    results = 0;
    probe.begin(p);
    BOOST_REQUIRE(loop.run_until([&] { return results > 0; }));
    BOOST_TEST(results == 1);
    BOOST_TEST(!probe.running());
    return *last;
  }
};

CheckParams tcp(const SocketAddress& target, std::chrono::milliseconds timeout = 1000ms) {
  CheckParams p;
  p.kind = CheckKind::Tcp;
  p.target = target;
  p.timeout = timeout;
  return p;
}

CheckParams http(const SocketAddress& target, std::chrono::milliseconds timeout = 1000ms) {
  CheckParams p = tcp(target, timeout);
  p.kind = CheckKind::Http;
  p.http_path = "/health";
  p.expect_status = 200;
  return p;
}

std::vector<std::string> answer(std::string head) { return {std::move(head) + "Content-Length: 0\r\n\r\n"}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(health_probe)

BOOST_AUTO_TEST_CASE(tcp_connect_to_a_listener_is_ok) {
  ProbeRun r;
  auto listener = listen_loopback();
  BOOST_REQUIRE(listener.valid());
  auto res = r.run(tcp(local_address(listener.get())));
  BOOST_TEST(res.ok);
  BOOST_TEST(res.reason == "ok");
  BOOST_TEST(res.duration.count() >= 0);
  BOOST_TEST(res.duration < std::chrono::microseconds(1s));
}

BOOST_AUTO_TEST_CASE(tcp_connect_to_a_closed_port_is_refused) {
  ProbeRun r;
  auto res = r.run(tcp(closed_port()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "connection refused");
}

BOOST_AUTO_TEST_CASE(tcp_connect_times_out_when_syns_are_dropped) {
  // A listener with a full accept queue drops new SYNs; nothing answers.
  ProbeRun r;
  auto listener = listen_loopback(0);
  BOOST_REQUIRE(listener.valid());
  const SocketAddress addr = local_address(listener.get());
  std::vector<tandem::base::UniqueFd> fillers;
  for (int i = 0; i < 3; ++i) {
    fillers.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    (void)::connect(fillers.back().get(), addr.get(), addr.size());
  }
  r.loop.run_for(50ms);  // let the fillers' handshakes fill the queue
  auto res = r.run(tcp(addr, 150ms));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "timeout after 150ms while connecting");
  BOOST_TEST(res.duration >= std::chrono::microseconds(140ms));
}

BOOST_AUTO_TEST_CASE(http_200_is_ok_and_the_request_is_well_formed) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, answer("HTTP/1.1 200 OK\r\n"));
  const SocketAddress addr = server.address();
  auto res = r.run(http(addr));
  BOOST_TEST(res.ok);
  BOOST_TEST(res.reason == "ok");
  BOOST_TEST(server.last_request() == "GET /health HTTP/1.1\r\nHost: " + addr.to_string() +
                                          "\r\nUser-Agent: tandem-health\r\nConnection: close\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(http_host_header_can_be_set) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, answer("HTTP/1.1 200 OK\r\n"));
  auto p = http(server.address());
  p.host = "app.example";
  p.http_path = "";
  BOOST_TEST(r.run(p).ok);
  BOOST_TEST(server.last_request().rfind("GET / HTTP/1.1\r\nHost: app.example\r\n", 0) == 0);
}

BOOST_AUTO_TEST_CASE(http_unexpected_status_fails_with_both_codes) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, answer("HTTP/1.1 503 Service Unavailable\r\n"));
  auto res = r.run(http(server.address()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "HTTP 503, expected 200");
}

BOOST_AUTO_TEST_CASE(http_expected_status_is_honoured) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, answer("HTTP/1.0 503 Service Unavailable\r\n"));
  auto p = http(server.address());
  p.expect_status = 503;
  BOOST_TEST(r.run(p).ok);
}

BOOST_AUTO_TEST_CASE(http_status_line_in_pieces_is_assembled) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, {"HTT", "P/1.1 2", "00 OK\r", "\nContent-Length: 0\r\n\r\n"});
  auto res = r.run(http(server.address()));
  BOOST_TEST(res.ok);
  BOOST_TEST(res.duration >= std::chrono::microseconds(50ms));  // three 20ms gaps
}

BOOST_AUTO_TEST_CASE(http_garbage_is_a_bad_response) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, {"SSH-2.0-OpenSSH_9.2\r\n"});
  auto res = r.run(http(server.address()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "bad HTTP response");
}

BOOST_AUTO_TEST_CASE(http_endless_status_line_is_capped) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer,
                   {"HTTP/1.1 200 " + std::string(HealthProbe::kMaxResponse + 100, 'x')});
  auto res = r.run(http(server.address()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "bad HTTP response (status line too long)");
}

BOOST_AUTO_TEST_CASE(http_close_without_answer) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::CloseAfterRequest);
  auto res = r.run(http(server.address()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "connection closed before a response");
}

BOOST_AUTO_TEST_CASE(http_close_in_the_middle_of_the_status_line) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, {"HTTP/1.1 20"});
  auto res = r.run(http(server.address()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "connection closed before a complete status line");
}

BOOST_AUTO_TEST_CASE(http_silent_server_times_out) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Silent);
  auto res = r.run(http(server.address(), 150ms));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "timeout after 150ms waiting for the response");
  BOOST_TEST(res.duration >= std::chrono::microseconds(140ms));
  BOOST_TEST(server.accepted() == 1);
  BOOST_TEST(!server.last_request().empty());
}

BOOST_AUTO_TEST_CASE(http_refused_connect) {
  ProbeRun r;
  auto res = r.run(http(closed_port()));
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.reason == "connection refused");
}

BOOST_AUTO_TEST_CASE(cancel_gives_no_result_and_a_probe_can_follow) {
  ProbeRun r;
  Responder silent(r.loop.get(), Responder::Mode::Silent);
  r.probe.begin(http(silent.address(), 100ms));
  BOOST_REQUIRE(r.loop.run_until([&] { return silent.accepted() == 1; }));
  BOOST_TEST(r.probe.running());
  r.probe.cancel();
  BOOST_TEST(!r.probe.running());
  r.loop.run_for(200ms);  // past the cancelled probe's timeout
  BOOST_TEST(r.results == 0);
  auto listener = listen_loopback();
  BOOST_TEST(r.run(tcp(local_address(listener.get()))).ok);
}

BOOST_AUTO_TEST_CASE(timeout_formats_whole_seconds) {
  ProbeRun r;
  Responder silent(r.loop.get(), Responder::Mode::Silent);
  auto p = http(silent.address(), 1000ms);
  auto res = r.run(p);
  BOOST_TEST(res.reason == "timeout after 1s waiting for the response");
}

BOOST_AUTO_TEST_CASE(no_descriptor_outlives_its_probe) {
  ProbeRun r;
  Responder server(r.loop.get(), Responder::Mode::Answer, answer("HTTP/1.1 200 OK\r\n"));
  // A plain listener never answers and holds no descriptor per connection
  // (the kernel keeps them in its accept queue).
  auto mute = listen_loopback();
  const SocketAddress mute_addr = local_address(mute.get());
  const size_t before = open_fd_count();

  BOOST_TEST(r.run(tcp(mute_addr)).ok);
  BOOST_TEST(r.run(tcp(closed_port())).reason == "connection refused");
  BOOST_TEST(r.run(http(server.address())).ok);
  BOOST_TEST(!r.run(http(mute_addr, 50ms)).ok);
  BOOST_TEST(!r.run(http(closed_port())).ok);
  BOOST_REQUIRE(r.loop.run_until([&] { return server.open_connections() == 0; }));
  BOOST_TEST(open_fd_count() == before);

  // Cancelled in flight.
  r.probe.begin(http(mute_addr, 5000ms));
  r.loop.run_for(30ms);
  BOOST_TEST(r.probe.running());
  BOOST_TEST(open_fd_count() == before + 1);
  r.probe.cancel();
  BOOST_TEST(open_fd_count() == before);

  // Destroyed in flight.
  {
    HealthProbe doomed(r.loop.get(), &ProbeRun::done, &r);
    doomed.begin(http(mute_addr, 5000ms));
    r.loop.run_for(30ms);
    BOOST_TEST(doomed.running());
    BOOST_TEST(open_fd_count() == before + 1);
  }
  BOOST_TEST(open_fd_count() == before);
}

BOOST_AUTO_TEST_SUITE_END()
