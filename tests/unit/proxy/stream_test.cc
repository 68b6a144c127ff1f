#define BOOST_TEST_DYN_LINK
#include "daemon/proxy/stream.h"

#include <ev.h>
#include <openssl/err.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/ev_watch.h"
#include "daemon/tls/frontend_tls.h"
#include "tests/unit/tls/test_certs.h"
#include "tests/unit/tls/tls_harness.h"

using namespace tandem;
using proxy::Stream;
using testing::make_socketpair;
using testing::record_types;
using testing::TlsHarness;

namespace {

constexpr int kApplicationData = 23;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

// Fills the socket's send direction until it would block; returns the bytes sent.
size_t fill(int fd) {
  std::string chunk(4096, 'f');
  size_t total = 0;
  for (size_t size : {size_t{4096}, size_t{1}}) {
    for (int i = 0; i < 100000; ++i) {
      ssize_t n = ::send(fd, chunk.data(), size, MSG_NOSIGNAL);
      if (n < 0) break;
      total += static_cast<size_t>(n);
    }
  }
  return total;
}

// Reads and drops exactly `n` raw bytes from `fd` (they are there).
void drain(int fd, size_t n) {
  std::string buf(65536, '\0');
  for (int i = 0; i < 100000 && n > 0; ++i) {
    ssize_t got = ::recv(fd, buf.data(), std::min(n, buf.size()), 0);
    BOOST_REQUIRE(got > 0);
    n -= static_cast<size_t>(got);
  }
  BOOST_REQUIRE(n == 0u);
}

// A frontend with one certificate, for TLS streams.
struct TlsServer {
  TlsServer() {
    testing::TestCert c = testing::make_cert(testing::CertSpec().dns({"s.test"}));
    auto fe = testing::tls_frontend("web", {{dir.write("s.pem", c.cert_pem() + c.key_pem()), ""}});
    auto r = tls::FrontendTls::build(fe, std::make_shared<tls::TicketKeys>(clock));
    BOOST_REQUIRE(r.ok());
    tls = *r;
  }
  // A harness whose handshake is done and whose tickets (TLS 1.3) the client has taken in.
  std::unique_ptr<TlsHarness> connected(int max_version = 0) {
    auto h = std::make_unique<TlsHarness>(tls->new_ssl(),
                                          testing::ClientOptions().sni("s.test").max_version(max_version));
    BOOST_REQUIRE(h->handshake());
    BOOST_REQUIRE(h->client_read(1).empty());  // takes in what came after the handshake
    BOOST_REQUIRE(h->peek_client_socket().empty());
    return h;
  }
  testing::TempDir dir;
  base::FakeClock clock;
  std::shared_ptr<const tls::FrontendTls> tls;
};

// Blocks SIGPIPE in this thread while alive, so a write that raises it
// leaves it pending (and the test alive); raised() takes it.
class SigpipeProbe {
 public:
  SigpipeProbe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeProbe() {
    raised();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  bool raised() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) != 1) return false;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    sigtimedwait(&set, nullptr, &zero);
    return true;
  }

 private:
  sigset_t old_;
};

ssize_t write2(Stream& s, const std::string& head, const std::string& body) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
  return s.write(iov, 2);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream)

// --- plain ---

BOOST_AUTO_TEST_CASE(plain_read_would_block_then_reads_what_came) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  BOOST_TEST(static_cast<bool>(s));
  BOOST_TEST(!s.tls());
  BOOST_TEST(!s.buffered());
  BOOST_TEST(!s.handshake_done());
  BOOST_TEST(!s.handshake_started());
  char buf[64];
  errno = 0;
  BOOST_TEST(s.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_REQUIRE(::send(p.b.get(), "hello", 5, 0) == 5);
  BOOST_TEST(s.read(buf, sizeof buf) == 5);
  BOOST_TEST(std::string(buf, 5) == "hello");
}

BOOST_AUTO_TEST_CASE(plain_write_of_two_buffers_arrives_in_order) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  BOOST_TEST(write2(s, "HEAD\r\n", "body") == 10);
  char buf[64];
  BOOST_TEST(::recv(p.b.get(), buf, sizeof buf, 0) == 10);
  BOOST_TEST(std::string(buf, 10) == "HEAD\r\nbody");
  iovec one{const_cast<char*>("x"), 1};
  BOOST_TEST(s.write(&one, 1) == 1);
}

BOOST_AUTO_TEST_CASE(plain_read_is_zero_after_the_peers_shutdown) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  BOOST_REQUIRE(::send(p.b.get(), "bye", 3, 0) == 3);
  BOOST_REQUIRE(::shutdown(p.b.get(), SHUT_WR) == 0);
  char buf[64];
  BOOST_TEST(s.read(buf, sizeof buf) == 3);
  BOOST_TEST(s.read(buf, sizeof buf) == 0);
}

BOOST_AUTO_TEST_CASE(plain_shutdown_write_ends_the_peers_stream_only) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  s.shutdown_write();
  char buf[64];
  BOOST_TEST(::recv(p.b.get(), buf, sizeof buf, 0) == 0);
  // The other direction still works.
  BOOST_REQUIRE(::send(p.b.get(), "more", 4, 0) == 4);
  BOOST_TEST(s.read(buf, sizeof buf) == 4);
}

BOOST_AUTO_TEST_CASE(plain_write_to_a_closed_peer_is_epipe_without_sigpipe) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  p.b.reset();
  SigpipeProbe sigpipe;
  iovec one{const_cast<char*>("x"), 1};
  errno = 0;
  BOOST_TEST(s.write(&one, 1) == -1);
  BOOST_TEST(errno == EPIPE);
  BOOST_TEST(!sigpipe.raised());
}

BOOST_AUTO_TEST_CASE(plain_events_are_the_wanted_ones) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  BOOST_TEST(s.events(true, false) == EV_READ);
  BOOST_TEST(s.events(false, true) == EV_WRITE);
  BOOST_TEST(s.events(true, true) == (EV_READ | EV_WRITE));
  BOOST_TEST(s.events(false, false) == 0);
  BOOST_TEST(s.can_read(EV_READ));
  BOOST_TEST(!s.can_read(EV_WRITE));
  BOOST_TEST(s.can_write(EV_WRITE));
  BOOST_TEST(!s.can_write(EV_READ));
}

BOOST_AUTO_TEST_CASE(reset_closes_the_connection) {
  auto p = make_socketpair();
  Stream s(std::move(p.a));
  s.reset();
  BOOST_TEST(!static_cast<bool>(s));
  char buf[8];
  BOOST_TEST(::recv(p.b.get(), buf, sizeof buf, 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_moved_stream_keeps_its_connection) {
  auto p = make_socketpair();
  Stream a(std::move(p.a));
  int fd = a.fd();
  Stream b(std::move(a));
  BOOST_TEST(b.fd() == fd);
  BOOST_TEST(!static_cast<bool>(a));
  Stream c;
  c = std::move(b);
  BOOST_TEST(c.fd() == fd);
  BOOST_REQUIRE(::send(p.b.get(), "z", 1, 0) == 1);
  char buf[8];
  BOOST_TEST(c.read(buf, sizeof buf) == 1);
}

// --- TLS: handshake driven by reads ---

BOOST_AUTO_TEST_CASE(tls_handshake_state) {
  TlsServer srv;
  TlsHarness h(srv.tls->new_ssl(), testing::ClientOptions().sni("s.test"));
  BOOST_TEST(h.server.tls());
  BOOST_TEST(h.server.ssl() != nullptr);
  BOOST_TEST(!h.server.handshake_done());
  BOOST_TEST(!h.server.handshake_started());
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(h.server.handshake_done());
  BOOST_TEST(h.server.handshake_started());
  BOOST_TEST(h.server.tls_error().empty());
}

BOOST_AUTO_TEST_CASE(tls_read_and_write_before_the_client_hello_wait_for_readable) {
  TlsServer srv;
  TlsHarness h(srv.tls->new_ssl(), testing::ClientOptions().sni("s.test"));
  char buf[64];
  errno = 0;
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(h.server.events(true, false) == EV_READ);
  iovec one{const_cast<char*>("x"), 1};
  errno = 0;
  BOOST_TEST(h.server.write(&one, 1) == -1);
  BOOST_TEST(errno == EAGAIN);
  // A write that must first read the handshake waits for readable.
  BOOST_TEST(h.server.events(false, true) == EV_READ);
  BOOST_TEST(h.server.can_write(EV_READ));
  BOOST_TEST(!h.server.can_write(EV_WRITE));
  BOOST_REQUIRE(h.handshake());
  BOOST_TEST(h.server.write(&one, 1) == 1);
  BOOST_TEST(h.server.events(false, true) == EV_WRITE);
  BOOST_TEST(h.client_read(1) == "x");
}

BOOST_AUTO_TEST_CASE(a_tls_read_that_must_write_waits_for_writable) {
  TlsServer srv;
  TlsHarness h(srv.tls->new_ssl(), testing::ClientOptions().sni("s.test"));
  // The client's hello is sent; the server's answer finds the socket full.
  BOOST_REQUIRE(SSL_do_handshake(h.client.get()) == -1);
  size_t filler = fill(h.server.fd());
  BOOST_REQUIRE(filler > 0u);
  char buf[64];
  errno = 0;
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(h.server.events(true, false) == EV_WRITE);
  BOOST_TEST(h.server.events(true, true) == EV_WRITE);
  BOOST_TEST(h.server.can_read(EV_WRITE));
  BOOST_TEST(!h.server.can_read(EV_READ));
  BOOST_TEST(h.server.handshake_started());
  // Room again: the handshake completes, and reads wait for readable again.
  drain(h.client_fd.get(), filler);
  BOOST_REQUIRE(h.handshake());
  errno = 0;
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(h.server.events(true, false) == EV_READ);
  BOOST_TEST(h.server.can_read(EV_READ));
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_tls_fail_with_eproto) {
  TlsServer srv;
  TlsHarness h(srv.tls->new_ssl(), {});
  const std::string request = "GET / HTTP/1.1\r\nHost: s.test\r\n\r\n";
  BOOST_REQUIRE(::send(h.client_fd.get(), request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  char buf[64];
  errno = 0;
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EPROTO);
  BOOST_TEST(!h.server.tls_error().empty());
  BOOST_TEST(h.server.tls_error().find("http") != std::string::npos, h.server.tls_error());
  BOOST_TEST(h.server.handshake_started());
  BOOST_TEST(!h.server.handshake_done());
  // The thread's OpenSSL error queue is left empty for the next connection.
  BOOST_TEST(ERR_peek_error() == 0ul);
  // No close_notify after a fatal error: the client just sees the end.
  h.server.shutdown_write();
  BOOST_TEST(::recv(h.client_fd.get(), buf, sizeof buf, 0) == 0);
  // reset() forgets the error.
  h.server.reset();
  BOOST_TEST(h.server.tls_error().empty());
  BOOST_TEST(!h.server.tls());
}

BOOST_AUTO_TEST_CASE(a_client_that_closes_before_sending_anything_did_not_start_a_handshake) {
  // A connection that closes without sending a byte (a port probe, a TCP
  // health check) is not a failed handshake (docs/http.md). Once failed:
  // !SSL_in_before() turns false at the first SSL_read_ex() call, before
  // any byte came; handshake_started() counts the bytes read instead.
  TlsServer srv;
  char buf[64];
  {
    // The probe: the session's first read finds the end of the stream.
    TlsHarness h(srv.tls->new_ssl(), {});
    h.client_fd.reset();
    BOOST_TEST(h.server.read(buf, sizeof buf) == 0);
    BOOST_TEST(!h.server.handshake_started());
  }
  // A read that would block, then the close.
  TlsHarness h(srv.tls->new_ssl(), {});
  errno = 0;
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);  // the session's first read: nothing yet
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(!h.server.handshake_started());
  h.client_fd.reset();
  BOOST_TEST(h.server.read(buf, sizeof buf) == 0);
  BOOST_TEST(!h.server.handshake_started());
  BOOST_TEST(h.server.tls_error().empty());
}

BOOST_AUTO_TEST_CASE(a_client_that_closes_mid_handshake_started_one) {
  TlsServer srv;
  TlsHarness h(srv.tls->new_ssl(), testing::ClientOptions().sni("s.test"));
  BOOST_REQUIRE(SSL_do_handshake(h.client.get()) == -1);  // the ClientHello is sent
  char buf[64];
  BOOST_TEST(h.server.read(buf, sizeof buf) == -1);
  // The client takes the server's answer off the socket (else its close
  // would be a reset) and goes away.
  BOOST_REQUIRE(!h.peek_client_socket().empty());
  drain(h.client_fd.get(), h.peek_client_socket().size());
  h.client_fd.reset();
  ssize_t n = 0;
  for (int i = 0; i < 10 && (n = h.server.read(buf, sizeof buf)) < 0 && errno == EAGAIN; ++i) {
  }
  BOOST_TEST(n == 0);  // an end of stream (SSL_OP_IGNORE_UNEXPECTED_EOF), not an error
  BOOST_TEST(h.server.tls_error().empty());
  BOOST_TEST(h.server.handshake_started());
  BOOST_TEST(!h.server.handshake_done());
}

// --- TLS: reads and writes ---

BOOST_AUTO_TEST_CASE(tls_head_and_body_arrive_in_order_in_one_record) {
  TlsServer srv;
  for (int version : {TLS1_2_VERSION, 0}) {
    auto h = srv.connected(version);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", body = "hello world";
    BOOST_TEST(write2(h->server, head, body) == static_cast<ssize_t>(head.size() + body.size()));
    std::string raw = h->peek_client_socket();
    BOOST_TEST(record_types(raw) == std::vector<int>{kApplicationData}, "version " << version);
    BOOST_TEST(h->client_read(head.size() + body.size()) == head + body);
  }
}

BOOST_AUTO_TEST_CASE(tls_coalescing_stops_at_one_record) {
  TlsServer srv;
  auto h = srv.connected();
  const std::string head(100, 'h'), body = pattern(40000);
  ssize_t n = write2(h->server, head, body);
  // One record's worth at most: the head and the start of the body.
  BOOST_TEST(n == 16384);
  BOOST_TEST(record_types(h->peek_client_socket()).size() == 1u);
  std::string got = h->client_read(static_cast<size_t>(n));
  BOOST_TEST(got == head + body.substr(0, static_cast<size_t>(n) - head.size()));
}

BOOST_AUTO_TEST_CASE(tls_a_large_head_is_written_without_the_body) {
  TlsServer srv;
  auto h = srv.connected();
  const std::string head = pattern(20000), body = "tail";
  ssize_t n = write2(h->server, head, body);
  BOOST_TEST(n > 0);
  BOOST_TEST(n <= static_cast<ssize_t>(head.size()));
  BOOST_TEST(h->client_read(static_cast<size_t>(n)) == head.substr(0, static_cast<size_t>(n)));
}

BOOST_AUTO_TEST_CASE(tls_a_large_body_arrives_whole_through_partial_writes) {
  TlsServer srv;
  auto h = srv.connected();
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
  const std::string body = pattern(1 << 20);
  const std::string all = head + body;
  size_t sent = 0;
  std::string got;
  int would_block = 0;
  char buf[65536];
  for (int round = 0; round < 20000 && got.size() < all.size(); ++round) {
    if (sent < all.size()) {
      // The caller's buffers: what is left of the head, then of the body.
      iovec iov[2];
      int count = 0;
      if (sent < head.size()) iov[count++] = {const_cast<char*>(head.data() + sent), head.size() - sent};
      size_t body_from = sent > head.size() ? sent - head.size() : 0;
      iov[count++] = {const_cast<char*>(body.data() + body_from), body.size() - body_from};
      ssize_t n = h->server.write(iov, count);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else {
        BOOST_REQUIRE(n == -1);
        BOOST_REQUIRE(errno == EAGAIN);
        BOOST_TEST(h->server.events(false, true) == EV_WRITE);
        ++would_block;
      }
    }
    // The client reads a little each round, so the writer fills the socket.
    size_t len = 0;
    if (SSL_read_ex(h->client.get(), buf, round % 3 == 0 ? sizeof buf : 4096, &len) == 1) got.append(buf, len);
    else ERR_clear_error();
  }
  BOOST_TEST(sent == all.size());
  BOOST_TEST(got.size() == all.size());
  BOOST_TEST((got == all));
  BOOST_TEST(would_block > 0);  // the socket did fill: the retries were exercised
}

BOOST_AUTO_TEST_CASE(tls_buffered_plaintext_is_read_without_socket_data) {
  TlsServer srv;
  auto h = srv.connected();
  const std::string record = "one record of plaintext, longer than the first read";
  h->client_write(record);
  char buf[256];
  BOOST_TEST(!h->server.buffered());
  BOOST_TEST(h->server.read(buf, 4) == 4);
  BOOST_TEST(std::string(buf, 4) == "one ");
  BOOST_TEST(h->server.buffered());
  BOOST_TEST(!readable(h->server.fd()));  // no socket event would announce the rest
  ssize_t n = h->server.read(buf, sizeof buf);
  BOOST_TEST(n == static_cast<ssize_t>(record.size() - 4));
  BOOST_TEST(std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0))) == record.substr(4));
  BOOST_TEST(!h->server.buffered());
  errno = 0;
  BOOST_TEST(h->server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
}

BOOST_AUTO_TEST_CASE(tls_two_records_read_a_few_bytes_at_a_time) {
  TlsServer srv;
  auto h = srv.connected();
  h->client_write("first record");
  h->client_write("second record");
  char buf[256];
  BOOST_TEST(h->server.read(buf, 3) == 3);
  BOOST_TEST(h->server.buffered());
  std::string rest;
  ssize_t n = h->server.read(buf, sizeof buf);
  BOOST_REQUIRE(n > 0);
  rest.append(buf, static_cast<size_t>(n));
  BOOST_TEST(rest == "st record");  // the rest of the first record, from OpenSSL's buffer
  BOOST_TEST(!h->server.buffered());
  BOOST_TEST(readable(h->server.fd()));  // the second is still in the socket
  n = h->server.read(buf, sizeof buf);
  BOOST_REQUIRE(n > 0);
  BOOST_TEST(std::string(buf, static_cast<size_t>(n)) == "second record");
}

namespace {

struct FedReader {
  Stream* stream = nullptr;
  std::string got;
  int calls = 0;
  void on_io(int revents) {
    ++calls;
    char buf[256];
    if (!stream->can_read(revents)) return;
    ssize_t n = stream->read(buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tls_buffered_plaintext_is_delivered_by_a_fed_event) {
  TlsServer srv;
  auto h = srv.connected();
  h->client_write("0123456789");
  char buf[4];
  BOOST_REQUIRE(h->server.read(buf, sizeof buf) == 4);
  BOOST_REQUIRE(h->server.buffered());
  base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  FedReader reader;
  reader.stream = &h->server;
  base::IoWatcher io(loop.get(), &base::member_callback<FedReader, &FedReader::on_io>, &reader);
  io.set(h->server.fd(), h->server.events(true, false));
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(reader.calls == 0);  // the socket is quiet
  io.feed(EV_READ);
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(reader.calls == 1);
  BOOST_TEST(reader.got == "456789");
}

BOOST_AUTO_TEST_CASE(tls_shutdown_write_sends_close_notify) {
  TlsServer srv;
  for (int version : {TLS1_2_VERSION, 0}) {
    auto h = srv.connected(version);
    h->server.shutdown_write();
    char buf[64];
    size_t len = 0;
    ERR_clear_error();
    BOOST_TEST(SSL_read_ex(h->client.get(), buf, sizeof buf, &len) == 0);
    BOOST_TEST(SSL_get_error(h->client.get(), 0) == SSL_ERROR_ZERO_RETURN, "version " << version);
    // The client can still send: a half-close.
    h->client_write("late");
    std::string got;
    BOOST_TEST(h->server_read(&got) == 4);
    BOOST_TEST(got == "late");
  }
}

BOOST_AUTO_TEST_CASE(tls_read_is_zero_after_the_clients_close_notify) {
  TlsServer srv;
  auto h = srv.connected();
  h->client_write("last");
  BOOST_REQUIRE(SSL_shutdown(h->client.get()) >= 0);
  std::string got;
  BOOST_TEST(h->server_read(&got) == 4);
  BOOST_TEST(h->server_read(&got) == 0);
  BOOST_TEST(got == "last");
}

BOOST_AUTO_TEST_CASE(tls_read_is_zero_when_the_client_closes_without_close_notify) {
  TlsServer srv;
  auto h = srv.connected();
  h->client_write("data");
  h->client_fd.reset();
  std::string got;
  BOOST_TEST(h->server_read(&got) == 4);
  BOOST_TEST(h->server_read(&got) == 0);
  BOOST_TEST(h->server.tls_error().empty());
}

BOOST_AUTO_TEST_CASE(tls_write_after_the_client_closed_fails) {
  TlsServer srv;
  auto h = srv.connected();
  h->client_fd.reset();
  SigpipeProbe sigpipe;
  iovec one{const_cast<char*>("x"), 1};
  ssize_t n = 0;
  for (int i = 0; i < 10 && (n = h->server.write(&one, 1)) > 0; ++i) {
  }
  BOOST_TEST(n == -1);
  BOOST_TEST(errno == EPIPE);
  (void)sigpipe.raised();  // see tls_write_to_a_closed_peer_raises_no_sigpipe
  h->server.shutdown_write();  // after a broken connection: no close_notify, no crash
}

BOOST_AUTO_TEST_CASE(tls_write_to_a_closed_peer_raises_no_sigpipe) {
  // stream.h promises write() "never raising SIGPIPE". OpenSSL's own socket
  // BIO writes with write(2), without MSG_NOSIGNAL (once failed: a program
  // that does not ignore SIGPIPE was killed); Stream's BIO sends with it.
  TlsServer srv;
  auto h = srv.connected();
  h->client_fd.reset();
  SigpipeProbe sigpipe;
  iovec one{const_cast<char*>("x"), 1};
  BOOST_TEST(h->server.write(&one, 1) == -1);
  BOOST_TEST(!sigpipe.raised());
}

BOOST_AUTO_TEST_CASE(a_stale_openssl_error_does_not_turn_would_block_into_eproto) {
  // SSL_get_error() reports SSL_ERROR_SSL for any error already queued on
  // the thread (SSL_get_error(3): "the current thread's error queue must be
  // empty before the TLS/SSL I/O operation is attempted"); read() and
  // write() clear it first, so an error other code left does not fail a
  // healthy connection (once failed: EPROTO with that error's text).
  TlsServer srv;
  auto h = srv.connected();
  ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);  // left behind by someone else
  char buf[16];
  errno = 0;
  BOOST_TEST(h->server.read(buf, sizeof buf) == -1);
  BOOST_TEST(errno == EAGAIN);
  BOOST_TEST(h->server.tls_error().empty());
  ERR_clear_error();
}

BOOST_AUTO_TEST_SUITE_END()
