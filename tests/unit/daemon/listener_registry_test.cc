#define BOOST_TEST_DYN_LINK
#include "daemon/listener_registry.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "base/unique_fd.h"

using namespace tandem;

namespace {

constexpr unsigned kWorkers = 3;

// A port nobody listens on right now (the kernel's choice for port 0).
uint16_t free_port() {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  BOOST_REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return ntohs(a.sin_port);
}

base::SocketAddress local(uint16_t port) { return *base::SocketAddress::parse("127.0.0.1:" + std::to_string(port)); }

// A listening socket of "another process" on 127.0.0.1:port.
base::UniqueFd listen_on(uint16_t port, bool reuseport) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  auto a = local(port);
  BOOST_REQUIRE(::bind(fd.get(), a.get(), a.size()) == 0);
  BOOST_REQUIRE(::listen(fd.get(), 8) == 0);
  return fd;
}

// True if a TCP connect to 127.0.0.1:port completes (a listener's backlog
// accepts it even while nobody calls accept()).
bool accepts(uint16_t port) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto a = local(port);
  return ::connect(fd.get(), a.get(), a.size()) == 0;
}

// True if a TCP connect to 127.0.0.1:port completes within `ms`. A SYN the
// listener drops is sent again only after 1 s, so a short wait tells a
// paused listener from one that accepts.
bool connects_within(uint16_t port, int ms) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  auto a = local(port);
  if (::connect(fd.get(), a.get(), a.size()) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, ms) != 1) return false;
  int error = -1;
  socklen_t len = sizeof error;
  return ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
}

conf::FrontendConf frontend(std::string name, std::vector<uint16_t> ports) {
  conf::FrontendConf fe;
  fe.name = std::move(name);
  for (uint16_t p : ports) fe.binds.push_back(local(p));
  fe.pool = "app";
  return fe;
}

// `registry` listens for one frontend "web" on 127.0.0.1:port.
void listen_for_web(ListenerRegistry& registry, uint16_t port) {
  conf::Config config;
  config.frontends.push_back(frontend("web", {port}));
  auto prepared = registry.prepare(config);
  BOOST_REQUIRE(prepared.ok());
  registry.commit(std::move(*prepared));
}

uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return ntohs(a.sin_port);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listener_registry)

BOOST_AUTO_TEST_CASE(one_listening_socket_per_worker_per_bind) {
  uint16_t p1 = free_port(), p2 = free_port();
  conf::Config config;
  config.frontends.push_back(frontend("web", {p1, p2}));
  ListenerRegistry registry(kWorkers);
  auto prepared = registry.prepare(config);
  BOOST_REQUIRE_MESSAGE(prepared.ok(), (prepared.ok() ? "" : prepared.error().message));
  BOOST_TEST(prepared->size() == 2u);
  for (uint16_t p : {p1, p2}) {
    auto it = prepared->find(local(p).to_string());
    BOOST_REQUIRE(it != prepared->end());
    BOOST_TEST(it->second.size() == kWorkers);
    std::set<int> fds;
    for (const auto& s : it->second) {
      BOOST_REQUIRE(s);
      fds.insert(s->fd());
      BOOST_TEST(bound_port(s->fd()) == p);
      BOOST_TEST(s->address().to_string() == local(p).to_string());
    }
    BOOST_TEST(fds.size() == kWorkers);  // distinct sockets (SO_REUSEPORT)
    BOOST_TEST(accepts(p));
  }
  // prepare() alone changes nothing.
  BOOST_TEST(registry.current().empty());
  registry.commit(std::move(*prepared));
  BOOST_TEST(registry.current().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_reload_reuses_the_sockets_of_binds_that_stay) {
  uint16_t keep = free_port(), gone = free_port(), added = free_port();
  conf::Config first;
  first.frontends.push_back(frontend("web", {keep, gone}));
  ListenerRegistry registry(kWorkers);
  auto prepared = registry.prepare(first);
  BOOST_REQUIRE(prepared.ok());
  registry.commit(std::move(*prepared));
  WorkerSockets kept_before = registry.current().at(local(keep).to_string());

  conf::Config second;
  second.frontends.push_back(frontend("web", {keep, added}));
  auto next = registry.prepare(second);
  BOOST_REQUIRE_MESSAGE(next.ok(), (next.ok() ? "" : next.error().message));
  BOOST_TEST((next->at(local(keep).to_string()) == kept_before));  // the very same sockets
  BOOST_TEST(next->count(local(gone).to_string()) == 0u);
  BOOST_TEST(accepts(added));
  registry.commit(std::move(*next));
  // The dropped bind's sockets close once nobody holds them.
  BOOST_TEST(!accepts(gone));
  BOOST_TEST(accepts(keep));
}

BOOST_AUTO_TEST_CASE(a_bind_another_process_holds_is_refused) {
  for (bool reuseport : {false, true}) {
    BOOST_TEST_CONTEXT("the other listener " << (reuseport ? "with" : "without") << " SO_REUSEPORT") {
      uint16_t taken = free_port();
      base::UniqueFd other = listen_on(taken, reuseport);
      conf::Config config;
      config.frontends.push_back(frontend("web", {taken}));
      ListenerRegistry registry(kWorkers);
      auto prepared = registry.prepare(config);
      BOOST_REQUIRE(!prepared.ok());
      const std::string& message = prepared.error().message;
      BOOST_TEST_INFO("message: " << message);
      BOOST_TEST(message.find("web") != std::string::npos);
      BOOST_TEST(message.find(local(taken).to_string()) != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_failed_prepare_changes_nothing_and_closes_what_it_opened) {
  uint16_t keep = free_port(), fresh = free_port(), taken = free_port();
  conf::Config first;
  first.frontends.push_back(frontend("web", {keep}));
  ListenerRegistry registry(kWorkers);
  auto prepared = registry.prepare(first);
  BOOST_REQUIRE(prepared.ok());
  registry.commit(std::move(*prepared));
  WorkerSockets before = registry.current().at(local(keep).to_string());

  base::UniqueFd other = listen_on(taken, false);
  conf::Config second;
  second.frontends.push_back(frontend("web", {keep, fresh}));
  second.frontends.push_back(frontend("api", {taken}));
  auto next = registry.prepare(second);
  BOOST_REQUIRE(!next.ok());
  BOOST_TEST(next.error().message.find("api") != std::string::npos);
  BOOST_TEST(registry.current().size() == 1u);
  BOOST_TEST((registry.current().at(local(keep).to_string()) == before));
  BOOST_TEST(accepts(keep));
  BOOST_TEST(!accepts(fresh));  // opened for the attempt, closed with it
}

BOOST_AUTO_TEST_CASE(the_same_bind_twice_is_opened_once) {
  uint16_t p = free_port();
  conf::Config config;
  config.frontends.push_back(frontend("web", {p, p}));
  ListenerRegistry registry(kWorkers);
  auto prepared = registry.prepare(config);
  BOOST_REQUIRE_MESSAGE(prepared.ok(), (prepared.ok() ? "" : prepared.error().message));
  BOOST_TEST(prepared->size() == 1u);
}

// A planned hand-over pauses the VIP's listeners (new SYNs dropped) and
// resumes them after: a resumed listener must take connections again.
BOOST_AUTO_TEST_CASE(paused_listeners_drop_new_connections_until_resumed) {
  uint16_t p = free_port();
  ListenerRegistry registry(kWorkers);
  listen_for_web(registry, p);
  const uint32_t loopback = 0x7F000001;
  BOOST_TEST(connects_within(p, 700));
  registry.pause_syns({loopback}, true);
  BOOST_TEST(!connects_within(p, 300));
  registry.pause_syns({loopback}, false);
  BOOST_TEST(connects_within(p, 700));
}

BOOST_AUTO_TEST_CASE(clear_closes_every_listener) {
  uint16_t p = free_port();
  ListenerRegistry registry(kWorkers);
  listen_for_web(registry, p);
  BOOST_TEST(accepts(p));
  registry.clear();
  BOOST_TEST(registry.current().empty());
  BOOST_TEST(!accepts(p));
}

BOOST_AUTO_TEST_SUITE_END()
