#define BOOST_TEST_DYN_LINK
#include "daemon/proxy/relay_half.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>

#include "base/unique_fd.h"

using tandem::base::UniqueFd;
using tandem::proxy::RelayResources;
using tandem::proxy::RelayHalf;

namespace {

// A connected TCP pair on loopback: {a, b}, both non-blocking.
struct TcpPair {
  UniqueFd a, b;
};

TcpPair make_pair() {
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(listen(listener.get(), 1) == 0);
  socklen_t len = sizeof addr;
  getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  TcpPair p;
  p.a.reset(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int rc = connect(p.a.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  BOOST_REQUIRE(rc == 0 || errno == EINPROGRESS);
  p.b.reset(accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  BOOST_REQUIRE(p.b.valid());
  pollfd pfd{p.a.get(), POLLOUT, 0};
  BOOST_REQUIRE(poll(&pfd, 1, 2000) == 1);
  return p;
}

bool wait_readable(int fd, int ms = 2000) {
  pollfd pfd{fd, POLLIN, 0};
  return poll(&pfd, 1, ms) == 1;
}

std::string read_some(int fd) {
  char buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relay_half)

// client --(in)--> [half] --(out)--> server: in.a writes, in.b is src;
// out.a is dst, out.b reads.
BOOST_AUTO_TEST_CASE(moves_bytes_and_counts_them) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources pipes;
  RelayHalf half;
  BOOST_TEST(half.wants_read());
  BOOST_REQUIRE(send(in.a.get(), "hello", 5, 0) == 5);
  BOOST_REQUIRE(wait_readable(in.b.get()));
  auto p = half.pump(in.b.get(), out.a.get(), pipes);
  BOOST_TEST(p.error == 0);
  BOOST_TEST(p.read == 5u);
  BOOST_TEST(p.written == 5u);
  BOOST_REQUIRE(wait_readable(out.b.get()));
  BOOST_TEST(read_some(out.b.get()) == "hello");
  BOOST_TEST(!half.finished());
  half.release(pipes.pipes);
}

// defer: a small message is read but not sent; the half stops reading
// (it wants to write) until deliver() sends it, without reading the source.
BOOST_AUTO_TEST_CASE(a_deferred_small_message_waits_for_deliver) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources r;
  RelayHalf half;
  BOOST_REQUIRE(send(in.a.get(), "hello", 5, 0) == 5);
  BOOST_REQUIRE(wait_readable(in.b.get()));
  auto p = half.pump(in.b.get(), out.a.get(), r, false, /*defer=*/true);
  BOOST_TEST(p.error == 0);
  BOOST_TEST(p.read == 5u);
  BOOST_TEST(p.written == 0u);
  BOOST_TEST(half.deferred());
  BOOST_TEST(half.wants_write());
  BOOST_TEST(!half.wants_read());
  BOOST_TEST(!wait_readable(out.b.get(), 50));  // nothing sent yet
  BOOST_REQUIRE(send(in.a.get(), "world", 5, 0) == 5);  // not read by deliver()
  BOOST_REQUIRE(wait_readable(in.b.get()));
  p = half.deliver(out.a.get());
  BOOST_TEST(p.error == 0);
  BOOST_TEST(p.read == 0u);
  BOOST_TEST(p.written == 5u);
  BOOST_TEST(!half.deferred());
  BOOST_TEST(half.wants_read());
  BOOST_REQUIRE(wait_readable(out.b.get()));
  BOOST_TEST(read_some(out.b.get()) == "hello");
  half.release(r.pipes);
}

// A deferred message that the destination cannot take when it is delivered
// moves to the connection's own backlog: the worker reuses the deferred
// area after its flush, and the message still arrives whole, after the
// bytes ahead of it.
BOOST_AUTO_TEST_CASE(a_deferred_message_the_destination_refuses_moves_to_the_backlog) {
  TcpPair in = make_pair(), out = make_pair();
  int small = 4096;
  setsockopt(out.a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(out.b.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string filler(4096, 'x');
  size_t queued = 0;
  for (int i = 0; i < 1000; ++i) {  // fill dst until it would block
    ssize_t n = send(out.a.get(), filler.data(), filler.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    queued += static_cast<size_t>(n);
  }
  RelayResources r;
  RelayHalf half;
  BOOST_REQUIRE(send(in.a.get(), "hello", 5, 0) == 5);
  BOOST_REQUIRE(wait_readable(in.b.get()));
  BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), r, false, /*defer=*/true).error == 0);
  BOOST_REQUIRE(half.deferred());
  auto p = half.deliver(out.a.get());
  BOOST_TEST(p.error == 0);
  BOOST_TEST(p.written < 5u);
  BOOST_TEST(!half.deferred());
  BOOST_TEST(half.wants_write());  // the rest waits in the backlog
  std::memset(r.deferred.get(), '#', RelayResources::kDeferredSize);  // the worker reuses the area
  r.deferred_used = 0;
  std::string received;
  size_t written = p.written;
  for (int i = 0; i < 2000 && received.size() < queued + 5; ++i) {
    if (wait_readable(out.b.get(), 20)) received += read_some(out.b.get());
    if (half.wants_write()) {
      p = half.deliver(out.a.get());
      BOOST_REQUIRE(p.error == 0);
      written += p.written;
    }
  }
  BOOST_TEST(written == 5u);
  BOOST_TEST(!half.wants_write());
  BOOST_REQUIRE(received.size() == queued + 5);
  BOOST_TEST(received.substr(queued) == "hello");
  half.release(r.pipes);
}

// A read of 4 KiB or more is sent at once even with defer (bulk transfers
// keep their pace), and so is a message the full deferred area cannot take.
BOOST_AUTO_TEST_CASE(large_reads_and_a_full_deferred_area_are_sent_at_once) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources r;
  RelayHalf half;
  std::string big(8192, 'x');
  BOOST_REQUIRE(send(in.a.get(), big.data(), big.size(), 0) == static_cast<ssize_t>(big.size()));
  BOOST_REQUIRE(wait_readable(in.b.get()));
  auto p = half.pump(in.b.get(), out.a.get(), r, false, /*defer=*/true);
  BOOST_TEST(p.error == 0);
  BOOST_TEST(!half.deferred());
  BOOST_TEST(p.written == p.read);
  BOOST_TEST(p.read > 0u);

  RelayHalf small;
  TcpPair in2 = make_pair(), out2 = make_pair();
  r.deferred_used = RelayResources::kDeferredSize - 2;  // room for 2 bytes only
  BOOST_REQUIRE(send(in2.a.get(), "abc", 3, 0) == 3);
  BOOST_REQUIRE(wait_readable(in2.b.get()));
  p = small.pump(in2.b.get(), out2.a.get(), r, false, /*defer=*/true);
  BOOST_TEST(!small.deferred());
  BOOST_TEST(p.written == 3u);
  half.release(r.pipes);
  small.release(r.pipes);
}

// The source ends right after a deferred message: the destination is
// half-closed only once deliver() has sent the message.
BOOST_AUTO_TEST_CASE(eof_after_a_deferred_message_half_closes_after_it) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources r;
  RelayHalf half;
  BOOST_REQUIRE(send(in.a.get(), "bye", 3, 0) == 3);
  shutdown(in.a.get(), SHUT_WR);
  BOOST_REQUIRE(wait_readable(in.b.get()));
  half.pump(in.b.get(), out.a.get(), r, false, /*defer=*/true);
  BOOST_TEST(half.deferred());
  half.deliver(out.a.get());
  BOOST_TEST(!half.finished());  // the end is read on the next pump
  half.pump(in.b.get(), out.a.get(), r, false, /*defer=*/true);
  BOOST_TEST(half.finished());
  BOOST_REQUIRE(wait_readable(out.b.get()));
  BOOST_TEST(read_some(out.b.get()) == "bye");
  BOOST_REQUIRE(wait_readable(out.b.get()));
  BOOST_TEST(read_some(out.b.get()).empty());  // the FIN
  half.release(r.pipes);
}

BOOST_AUTO_TEST_CASE(source_eof_half_closes_the_destination) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources pipes;
  RelayHalf half;
  BOOST_REQUIRE(send(in.a.get(), "bye", 3, 0) == 3);
  shutdown(in.a.get(), SHUT_WR);
  // Bounded: data and EOF may arrive in one or two readiness events.
  for (int i = 0; i < 100 && !half.finished(); ++i) {
    wait_readable(in.b.get(), 50);
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), pipes).error == 0);
  }
  BOOST_TEST(half.finished());
  BOOST_TEST(!half.wants_read());
  BOOST_REQUIRE(wait_readable(out.b.get()));
  BOOST_TEST(read_some(out.b.get()) == "bye");
  BOOST_REQUIRE(wait_readable(out.b.get()));
  char c;
  BOOST_TEST(recv(out.b.get(), &c, 1, 0) == 0);  // EOF passed on
}

BOOST_AUTO_TEST_CASE(backpressure_stops_reading_until_the_destination_drains) {
  TcpPair in = make_pair(), out = make_pair();
  int small = 4096;
  setsockopt(out.a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(out.b.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  RelayResources pipes;
  RelayHalf half;
  std::string chunk(16384, 'x');
  size_t sent = 0, received = 0;
  // Fill until the half has bytes it cannot deliver.
  for (int i = 0; i < 1000 && !half.wants_write(); ++i) {
    ssize_t n = send(in.a.get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) sent += static_cast<size_t>(n);
    wait_readable(in.b.get(), 50);
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), pipes).error == 0);
  }
  BOOST_REQUIRE(half.wants_write());
  BOOST_TEST(!half.wants_read());  // no reading while the pipe is full
  // The reader drains; everything sent arrives, in order and complete.
  shutdown(in.a.get(), SHUT_WR);
  for (int i = 0; i < 5000 && received < sent; ++i) {
    if (wait_readable(out.b.get(), 20)) received += read_some(out.b.get()).size();
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), pipes).error == 0);
  }
  BOOST_TEST(received == sent);
}

BOOST_AUTO_TEST_CASE(bulk_transfer_switches_to_splice_and_back) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources res;
  RelayHalf half;
  std::string big(256 * 1024, 'b');
  size_t sent = 0, received = 0;
  bool spliced = false;
  for (int i = 0; i < 5000 && received < big.size(); ++i) {
    if (sent < big.size()) {
      ssize_t n = send(in.a.get(), big.data() + sent, big.size() - sent, MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    wait_readable(in.b.get(), 5);
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), res).error == 0);
    spliced = spliced || half.splicing();
    while (wait_readable(out.b.get(), 0)) {
      std::string got = read_some(out.b.get());
      if (got.empty()) break;
      received += got.size();
    }
  }
  BOOST_TEST(received == big.size());
  BOOST_TEST(spliced);  // a full scratch buffer moved it to the pipe path
  // A small message afterwards goes back to copying.
  BOOST_REQUIRE(send(in.a.get(), "x", 1, 0) == 1);
  for (int i = 0; i < 100 && half.splicing(); ++i) {
    wait_readable(in.b.get(), 20);
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), res).error == 0);
  }
  BOOST_TEST(!half.splicing());
  half.release(res.pipes);
  BOOST_TEST(res.pipes.idle() == 1u);  // the empty pipe went back to the pool
}

BOOST_AUTO_TEST_CASE(without_splice_a_bulk_transfer_is_copied) {
  TcpPair in = make_pair(), out = make_pair();
  RelayResources res;
  RelayHalf half;
  half.allow_splice(false);
  std::string big(512 * 1024, 'c');
  size_t sent = 0, received = 0;
  for (int i = 0; i < 5000 && received < big.size(); ++i) {
    if (sent < big.size()) {
      ssize_t n = send(in.a.get(), big.data() + sent, big.size() - sent, MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    wait_readable(in.b.get(), 5);
    BOOST_REQUIRE(half.pump(in.b.get(), out.a.get(), res).error == 0);
    BOOST_REQUIRE(!half.splicing());
    while (wait_readable(out.b.get(), 0)) {
      std::string got = read_some(out.b.get());
      if (got.empty()) break;
      received += got.size();
    }
  }
  BOOST_TEST(received == big.size());
  half.release(res.pipes);
  BOOST_TEST(res.pipes.idle() == 0u);  // no pipe was ever taken
}

BOOST_AUTO_TEST_CASE(a_reset_destination_is_an_error) {
  TcpPair in = make_pair(), out = make_pair();
  linger lg{1, 0};
  setsockopt(out.b.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  out.b.reset();  // RST to out.a
  RelayResources pipes;
  RelayHalf half;
  int error = 0;
  for (int i = 0; i < 100 && error == 0; ++i) {
    send(in.a.get(), "data", 4, MSG_DONTWAIT);
    wait_readable(in.b.get(), 20);
    error = half.pump(in.b.get(), out.a.get(), pipes).error;
  }
  BOOST_TEST((error == ECONNRESET || error == EPIPE));
}

BOOST_AUTO_TEST_SUITE_END()
