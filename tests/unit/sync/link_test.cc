#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "sync/link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/ev_watch.h"
#include "base/unique_fd.h"
#include "sync/wire.h"

namespace tandem::sync {
namespace {

using std::chrono::milliseconds;

const std::string kKey = "0123456789abcdef0123456789abcdef";

// A port free on `ip` right now: bound, read and closed (the Links bind it next).
uint16_t free_port(const char* ip) {
  base::UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  BOOST_REQUIRE(inet_pton(AF_INET, ip, &sin.sin_addr) == 1);
  BOOST_REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0);
  socklen_t len = sizeof(sin);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
  return ntohs(sin.sin_port);
}

base::SocketAddress address(const char* ip, uint16_t port) {
  auto a = base::SocketAddress::parse(std::string(ip) + ":" + std::to_string(port));
  BOOST_REQUIRE(a.ok());
  return *a;
}

// Runs the loop until `done()` or `limit` passes; true if done() held.
template <typename Pred>
bool run_until(struct ev_loop* loop, Pred done, milliseconds limit = milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  base::TimerWatcher tick(loop, [](void*, int) {}, nullptr);
  tick.start(0.002, 0.002);  // wake up often enough to check `done`
  for (int i = 0; i < 1000000 && !done(); ++i) {
    if (std::chrono::steady_clock::now() >= deadline) break;
    ev_run(loop, EVRUN_ONCE);
  }
  return done();
}

// One node: a Link and what its callbacks saw.
struct Node {
  std::vector<std::string> events;  // "up", "down: why", "frame: TYPE"
  std::vector<Frame> frames;
  int ups = 0, downs = 0;
  std::function<void(Node&)> on_up_hook;
  std::function<void(Node&, const Frame&)> on_frame_hook;
  std::unique_ptr<Link> link;

  Node(struct ev_loop* loop, LinkOptions options) {
    LinkEvents ev;
    ev.on_up = [this] {
      ++ups;
      events.push_back("up");
      if (on_up_hook) on_up_hook(*this);
    };
    ev.on_frame = [this](Frame&& f) {
      events.push_back(std::string("frame: ") + to_string(type_of(f)));
      frames.push_back(std::move(f));
      if (on_frame_hook) on_frame_hook(*this, frames.back());
    };
    ev.on_down = [this](const std::string& why) {
      ++downs;
      events.push_back("down: " + why);
    };
    link = std::make_unique<Link>(loop, std::move(options), std::move(ev));
  }
  size_t count(FrameType t) const {
    size_t n = 0;
    for (const Frame& f : frames) n += type_of(f) == t;
    return n;
  }
};

std::string heartbeat(uint64_t wall_ms) {
  std::string out;
  BOOST_REQUIRE(encode_heartbeat(Heartbeat{wall_ms, {}}, &out).ok());
  return out;
}

// Two nodes on 127.0.0.1 (lower: dials) and 127.0.0.2 (accepts).
struct Pair {
  base::EvLoop loop{ev_loop_new(EVFLAG_AUTO)};
  base::SocketAddress low = address("127.0.0.1", free_port("127.0.0.1"));
  base::SocketAddress high = address("127.0.0.2", free_port("127.0.0.2"));
  std::unique_ptr<Node> dialer, acceptor;

  LinkOptions options(bool is_dialer, std::string key = kKey) const {
    LinkOptions o;
    o.listen = is_dialer ? low : high;
    o.peer = is_dialer ? high : low;
    o.key = std::move(key);
    o.handshake_timeout = milliseconds(1000);
    o.retry_min = milliseconds(20);
    o.retry_max = milliseconds(200);
    return o;
  }
  void make_dialer(LinkOptions o) { dialer = std::make_unique<Node>(loop.get(), std::move(o)); }
  void make_acceptor(LinkOptions o) { acceptor = std::make_unique<Node>(loop.get(), std::move(o)); }
  void start_both() {
    if (!acceptor) make_acceptor(options(false));
    if (!dialer) make_dialer(options(true));
    BOOST_REQUIRE(acceptor->link->start().ok());
    BOOST_REQUIRE(dialer->link->start().ok());
  }
  bool both_up() const { return dialer->link->up() && acceptor->link->up(); }
  void come_up() {
    start_both();
    BOOST_REQUIRE(run_until(loop.get(), [&] { return dialer->ups == 1 && acceptor->ups == 1; }));
  }
};

// A plain TCP client (no TLS) to `to`.
base::UniqueFd raw_connect(const base::SocketAddress& to) {
  base::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  BOOST_REQUIRE(connect(fd.get(), to.get(), to.size()) == 0);
  return fd;
}

BOOST_AUTO_TEST_SUITE(link)

BOOST_AUTO_TEST_CASE(the_lower_address_dials) {
  auto a = address("127.0.0.1", 7000);
  auto b = address("127.0.0.2", 6000);
  auto c = address("127.0.0.1", 7001);
  BOOST_TEST(address_less(a, b));   // address bytes before port
  BOOST_TEST(!address_less(b, a));
  BOOST_TEST(address_less(a, c));   // same address: port
  BOOST_TEST(!address_less(a, a));
  auto v6 = base::SocketAddress::parse("[::1]:1");
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST(address_less(a, *v6));  // AF_INET < AF_INET6

  Pair p;
  p.start_both();
  BOOST_TEST(p.dialer->link->dialer());
  BOOST_TEST(!p.acceptor->link->dialer());
}

BOOST_AUTO_TEST_CASE(start_refuses_bad_options) {
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  auto a = address("127.0.0.1", free_port("127.0.0.1"));
  LinkOptions o;
  o.listen = a;
  o.peer = a;
  o.key = kKey;
  BOOST_TEST(!Link(loop.get(), o, {}).start().ok());  // same address
  o.peer = address("127.0.0.2", 1);
  o.key = "short";
  BOOST_TEST(!Link(loop.get(), o, {}).start().ok());
}

BOOST_AUTO_TEST_CASE(up_and_frames_both_ways) {
  Pair p;
  p.make_acceptor(p.options(false));
  p.make_dialer(p.options(true));
  // HELLO from on_up, as the channel does.
  auto send_hello = [](Node& n) {
    Hello h;
    h.node = n.link->dialer() ? "lb-a" : "lb-b";
    std::string out;
    BOOST_REQUIRE(encode_hello(h, &out).ok());
    BOOST_TEST(n.link->send(out));
  };
  p.dialer->on_up_hook = send_hello;
  p.acceptor->on_up_hook = send_hello;
  auto t0 = std::chrono::steady_clock::now();
  p.start_both();
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->frames.size() == 1 && p.acceptor->frames.size() == 1; }));
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST_MESSAGE("link up and HELLOs exchanged in " << took.count() << " us");
  BOOST_TEST(std::get<Hello>(p.dialer->frames[0]).node == "lb-b");
  BOOST_TEST(std::get<Hello>(p.acceptor->frames[0]).node == "lb-a");

  // TLS 1.3 over the PSK on both ends; the dialer's source is its listen IP.
  for (Node* n : {p.dialer.get(), p.acceptor.get()}) {
    SSL* ssl = n->link->up_ssl();
    BOOST_REQUIRE(ssl != nullptr);
    BOOST_TEST(SSL_version(ssl) == TLS1_3_VERSION);
    BOOST_TEST(SSL_session_reused(ssl) == 1);
    BOOST_TEST(n->link->stats().connects == 1u);
  }
  BOOST_TEST(p.acceptor->link->stats().peer_address.rfind("127.0.0.1:", 0) == 0);
  BOOST_TEST(p.dialer->link->stats().peer_address == p.high.to_string());

  // A few records one way, a 900 KiB UPDATES the other way, in order.
  Updates small;
  small.first_seq = 1;
  for (int i = 0; i < 3; ++i) {
    small.records.push_back(Record{Op::Upsert, "lb-a", 1000u + i, StickySourceRecord{"app", std::string("\x0a\0\0\x01", 4), "be1", 5000}});
  }
  std::string bytes;
  BOOST_REQUIRE(encode_updates(small, &bytes).ok());
  BOOST_REQUIRE(p.dialer->link->send(bytes + heartbeat(7)));
  Updates big;
  big.first_seq = 1;
  for (int i = 0; i < 230; ++i) {
    big.records.push_back(
        Record{Op::Upsert, "lb-b", 2000u + i, StickyLearnedRecord{"app", std::string(4096, 'a' + i % 26), "be2", 1}});
  }
  std::string big_bytes;
  BOOST_REQUIRE(encode_updates(big, &big_bytes).ok());
  BOOST_REQUIRE(big_bytes.size() > 900 * 1024);
  BOOST_REQUIRE(p.acceptor->link->send(big_bytes));
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->frames.size() == 3 && p.dialer->frames.size() == 2; }));
  BOOST_TEST((std::get<Updates>(p.acceptor->frames[1]) == small));
  BOOST_TEST(std::get<Heartbeat>(p.acceptor->frames[2]).wall_ms == 7u);
  BOOST_TEST((std::get<Updates>(p.dialer->frames[1]) == big));
  BOOST_TEST(p.acceptor->link->queued() == 0u);
  const LinkStats& s = p.acceptor->link->stats();
  BOOST_TEST(s.frames_in == 3u);
  BOOST_TEST(s.frames_out == 2u);
  BOOST_TEST(s.bytes_out == p.dialer->link->stats().bytes_in);
  BOOST_TEST(p.dialer->link->stats().bytes_in > 900u * 1024);
  BOOST_TEST(p.dialer->downs + p.acceptor->downs == 0);
}

BOOST_AUTO_TEST_CASE(wrong_key_never_comes_up) {
  Pair p;
  p.make_dialer(p.options(true, std::string(32, 'z')));
  p.start_both();
  BOOST_TEST(run_until(p.loop.get(), [&] {
    return p.dialer->link->stats().handshake_failures >= 2 && p.acceptor->link->stats().handshake_failures >= 2;
  }));
  BOOST_TEST(p.dialer->ups + p.acceptor->ups == 0);
  BOOST_TEST(!p.dialer->link->up());
  BOOST_TEST(!p.acceptor->link->up());
  BOOST_TEST(!p.acceptor->link->stats().last_error.empty());
  BOOST_TEST_MESSAGE("acceptor: " << p.acceptor->link->stats().last_error);
  BOOST_TEST_MESSAGE("dialer: " << p.dialer->link->stats().last_error);
}

BOOST_AUTO_TEST_CASE(garbage_is_refused_without_disturbing_the_link) {
  Pair p;
  p.come_up();
  base::UniqueFd raw = raw_connect(p.high);
  const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  BOOST_REQUIRE(write(raw.get(), request, sizeof(request) - 1) > 0);
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->link->stats().handshake_failures == 1; }));
  BOOST_TEST(p.acceptor->link->stats().last_error.find("127.0.0.1") != std::string::npos);
  BOOST_TEST_MESSAGE("acceptor: " << p.acceptor->link->stats().last_error);
  // Still the same connection, and it works.
  BOOST_REQUIRE(p.dialer->link->send(heartbeat(1)));
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->frames.size() == 1; }));
  BOOST_TEST(p.both_up());
  BOOST_TEST(p.acceptor->link->stats().connects == 1u);
  BOOST_TEST(p.acceptor->downs + p.dialer->downs == 0);
}

BOOST_AUTO_TEST_CASE(pending_handshakes_are_bounded_and_time_out) {
  Pair p;
  LinkOptions o = p.options(false);
  o.handshake_timeout = milliseconds(150);
  p.make_acceptor(o);
  BOOST_REQUIRE(p.acceptor->link->start().ok());  // no dialer at all
  std::vector<base::UniqueFd> silent;
  for (size_t i = 0; i < kMaxPending + 1; ++i) silent.push_back(raw_connect(p.high));
  // The one over the bound is refused at once...
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->link->stats().handshake_failures == 1; }));
  // ... the others when their deadline passes.
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->link->stats().handshake_failures == kMaxPending + 1; }));
  BOOST_TEST(p.acceptor->link->stats().last_error.find("timed out") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_new_authenticated_connection_replaces_the_old) {
  Pair p;
  LinkOptions slow = p.options(true);
  slow.retry_min = slow.retry_max = milliseconds(60000);  // the old dialer never comes back by itself
  p.make_dialer(slow);
  p.come_up();
  // The peer "restarts" while its old connection still looks alive here.
  LinkOptions restarted = p.options(true);
  restarted.listen = address("127.0.0.1", free_port("127.0.0.1"));  // the old one still holds its port here
  Node second(p.loop.get(), restarted);
  BOOST_REQUIRE(second.link->start().ok());
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->ups == 2 && second.ups == 1; }));
  BOOST_REQUIRE(p.acceptor->events.size() == 3u);
  BOOST_TEST(p.acceptor->events[1].find("down: replaced by a new connection") == 0);
  BOOST_TEST(p.acceptor->events[2] == "up");
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->downs == 1; }));  // the old end sees it closed
  BOOST_TEST(p.acceptor->link->up());
  BOOST_TEST(p.acceptor->link->stats().connects == 2u);
  // Frames flow on the new connection.
  BOOST_REQUIRE(second.link->send(heartbeat(2)));
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->frames.size() == 1; }));
}

BOOST_AUTO_TEST_CASE(a_restarted_dialer_comes_back) {
  Pair p;
  p.come_up();
  p.dialer.reset();  // no GOODBYE: a crash
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->downs == 1; }));
  BOOST_TEST(!p.acceptor->link->up());
  BOOST_TEST(p.acceptor->link->stats().peer_address.empty());
  p.make_dialer(p.options(true));
  BOOST_REQUIRE(p.dialer->link->start().ok());
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->ups == 2 && p.dialer->ups == 1; }));
  BOOST_TEST((p.acceptor->events == std::vector<std::string>{"up", p.acceptor->events[1], "up"}));
  BOOST_TEST(p.acceptor->events[1].find("down: ") == 0);
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_frames_close_the_link_and_it_comes_back) {
  Pair p;
  p.come_up();
  BOOST_REQUIRE(p.dialer->link->send("GET / HTTP/1.1\r\n\r\n"));  // not a frame: bad magic
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->ups == 2 && p.acceptor->ups == 2; }));
  BOOST_TEST(p.acceptor->link->stats().protocol_errors == 1u);
  BOOST_TEST(p.acceptor->downs == 1);
  BOOST_TEST(p.dialer->downs == 1);
  BOOST_TEST(p.acceptor->link->stats().last_error.find("magic") != std::string::npos);
  // The acceptor said why before closing.
  BOOST_REQUIRE(p.dialer->count(FrameType::Goodbye) == 1u);
  BOOST_TEST(std::string(to_string(std::get<Goodbye>(p.dialer->frames[0]).reason)) == to_string(GoodbyeReason::ProtocolError));
  BOOST_TEST(p.both_up());
}

BOOST_AUTO_TEST_CASE(a_frame_cut_short_is_a_protocol_error) {
  Pair p;
  p.come_up();
  std::string hb = heartbeat(3);
  BOOST_REQUIRE(p.dialer->link->send(std::string_view(hb).substr(0, hb.size() - 2)));
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->link->stats().bytes_in == hb.size() - 2; }));
  p.dialer.reset();  // close_notify inside a frame
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->downs == 1; }));
  BOOST_TEST(p.acceptor->link->stats().protocol_errors == 1u);
  BOOST_TEST(p.acceptor->link->stats().last_error.find("truncated") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(send_refuses_beyond_the_queue_limit) {
  Pair p;
  LinkOptions o = p.options(true);
  o.max_send_queue = 1000;
  p.make_dialer(o);
  BOOST_TEST(!p.dialer->link->send(heartbeat(1)));  // not started: down
  p.come_up();
  std::string hb = heartbeat(1);  // 8 + 8 + 2 bytes
  std::string many;
  while (many.size() + hb.size() <= 1000) many += hb;
  BOOST_REQUIRE(p.dialer->link->send(many));
  BOOST_TEST(p.dialer->link->queued() == many.size());  // written from the loop, not inside send()
  BOOST_TEST(!p.dialer->link->send(hb));
  BOOST_TEST(p.dialer->link->queued() == many.size());
  size_t expect = many.size() / hb.size();
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.acceptor->frames.size() == expect; }));
  BOOST_TEST(p.dialer->link->queued() == 0u);
  BOOST_TEST(p.dialer->link->send(hb));
  BOOST_TEST(p.dialer->link->stats().frames_out == expect + 1);
}

BOOST_AUTO_TEST_CASE(reset_from_a_callback_then_reconnect) {
  Pair p;
  p.come_up();
  // The acceptor resets from inside on_frame, and sends nothing after.
  p.acceptor->on_frame_hook = [](Node& n, const Frame&) {
    n.link->reset(GoodbyeReason::Timeout, "test reset");
    BOOST_TEST(!n.link->up());
    BOOST_TEST(n.downs == 0);  // on_down comes from the loop, not from inside reset()
    BOOST_TEST(!n.link->send("x"));
    n.on_frame_hook = nullptr;
  };
  BOOST_REQUIRE(p.dialer->link->send(heartbeat(1) + heartbeat(2)));  // the second is never delivered
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->ups == 2 && p.acceptor->ups == 2; }));
  BOOST_TEST(p.acceptor->frames.size() == 1u);
  BOOST_REQUIRE(p.acceptor->events.size() == 4u);
  BOOST_TEST(p.acceptor->events[1] == "frame: HEARTBEAT");
  BOOST_TEST(p.acceptor->events[2].find("down: reset here: ") == 0);
  BOOST_TEST(p.acceptor->events[3] == "up");
  BOOST_REQUIRE(p.dialer->count(FrameType::Goodbye) == 1u);
  const Goodbye& g = std::get<Goodbye>(p.dialer->frames[0]);
  BOOST_TEST(std::string(to_string(g.reason)) == to_string(GoodbyeReason::Timeout));
  BOOST_TEST(g.text == "test reset");
  // The dialer resets too: it reconnects.
  p.dialer->link->reset(GoodbyeReason::Overloaded, "");
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->ups == 3 && p.acceptor->ups == 3; }));
  BOOST_TEST(p.dialer->downs == 2);
}

BOOST_AUTO_TEST_CASE(stop_sends_goodbye) {
  Pair p;
  p.come_up();
  BOOST_REQUIRE(p.acceptor->link->send(heartbeat(5)));
  p.acceptor->link->stop(GoodbyeReason::Shutdown, "bye now");
  BOOST_TEST(!p.acceptor->link->up());
  BOOST_REQUIRE(run_until(p.loop.get(), [&] { return p.dialer->downs == 1; }));
  BOOST_REQUIRE(p.dialer->frames.size() == 2u);
  BOOST_TEST(std::string(to_string(type_of(p.dialer->frames[0]))) == "HEARTBEAT");
  const Goodbye& g = std::get<Goodbye>(p.dialer->frames[1]);
  BOOST_TEST(std::string(to_string(g.reason)) == to_string(GoodbyeReason::Shutdown));
  BOOST_TEST(g.text == "bye now");
  BOOST_TEST(p.acceptor->downs == 0);  // no callbacks after stop()
  // Nobody listens any more: the dialer keeps trying, without coming up.
  BOOST_TEST(!run_until(p.loop.get(), [&] { return p.dialer->ups == 2; }, milliseconds(200)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace tandem::sync
