#define BOOST_TEST_DYN_LINK
#include "base/ev_watch.h"

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

using namespace tandem::base;

namespace {

// Two one-shot timers that expire before the same loop iteration: libev makes
// both pending (and inactive) and invokes them in expiry order. The first
// stops (or destroys) the second; only ev_timer_stop's "clears the pending
// status" keeps the second's callback from running (or from running on freed
// memory).
struct Pair {
  explicit Pair(struct ev_loop* loop)
      : a(loop, &member_callback<Pair, &Pair::on_a>, this), b(loop, &member_callback<Pair, &Pair::on_b>, this) {}
  void on_a(int) {
    ++fired_a;
    if (destroy_b) b_owned.reset();
    else b.stop();
  }
  void on_b(int) { ++fired_b; }
  TimerWatcher a;
  TimerWatcher b;
  std::unique_ptr<TimerWatcher> b_owned;
  bool destroy_b = false;
  int fired_a = 0;
  int fired_b = 0;
  int fired_owned = 0;
};

void on_owned(void* owner, int) { ++static_cast<Pair*>(owner)->fired_owned; }

void count_events(void* counter, int revents) { *static_cast<int*>(counter) |= revents; }

// A connected socket pair, closed at the end.
struct SocketPair {
  SocketPair() { BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~SocketPair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  int fd[2];
};

// One watcher takes an fd over from another (a server connection moving
// between the idle pool and a session): after the hand-over the new watcher
// gets the fd's events, whether it wants the same events or others.
void check_hand_over(int first_events, int second_events, int expected) {
  struct ev_loop* loop = ev_loop_new(EVBACKEND_EPOLL);
  BOOST_REQUIRE(loop != nullptr);
  {
    SocketPair sp;
    int got_a = 0;
    int got_b = 0;
    IoWatcher a(loop, &count_events, &got_a);
    IoWatcher b(loop, &count_events, &got_b);
    a.set(sp.fd[0], first_events);
    ev_run(loop, EVRUN_NOWAIT);  // registered with the kernel
    got_a = 0;
    a.stop();
    b.set_handed_over(sp.fd[0], second_events);
    BOOST_REQUIRE(::write(sp.fd[1], "x", 1) == 1);
    for (int i = 0; i < 10 && got_b == 0; ++i) ev_run(loop, EVRUN_NOWAIT);
    BOOST_TEST(got_b == expected);
    BOOST_TEST(got_a == 0);
  }
  ev_loop_destroy(loop);
}

// Records the order in which watchers' callbacks ran.
struct Order {
  std::string ran;
};
void ran_high(void* order, int) { static_cast<Order*>(order)->ran += "high "; }

// An I/O callback that reads its byte and asks for a flush before the loop
// waits again (as a worker's sessions do with their writes).
struct Flusher {
  explicit Flusher(struct ev_loop* loop)
      : a(loop, &member_callback<Flusher, &Flusher::on_a>, this),
        b(loop, &member_callback<Flusher, &Flusher::on_b>, this),
        prepare(loop, &member_callback<Flusher, &Flusher::on_prepare>, this) {}
  void on_io(IoWatcher& w) {
    char c;
    if (::read(w.fd(), &c, 1) == 1) ran += "io ";
    if (!prepare.is_active()) prepare.start();
  }
  void on_a(int) { on_io(a); }
  void on_b(int) { on_io(b); }
  void on_prepare(int) {
    ran += "flush ";
    prepare.stop();
  }
  IoWatcher a;
  IoWatcher b;
  PrepareWatcher prepare;
  std::string ran;
};
void ran_low(void* order, int) { static_cast<Order*>(order)->ran += "low "; }

}  // namespace

BOOST_AUTO_TEST_SUITE(ev_watch)

// Two sockets ready in the same iteration: the lower-priority watcher's
// callback runs last, although libev would run it first otherwise (it
// invokes the watchers of one priority in the reverse of the order the
// kernel reported them: `low` became readable last).
BOOST_AUTO_TEST_CASE(a_lower_priority_watcher_runs_after_the_others_of_its_iteration) {
  EvLoop loop(ev_loop_new(EVBACKEND_EPOLL));
  SocketPair high_fds, low_fds;
  Order order;
  IoWatcher high(loop.get(), &ran_high, &order);
  IoWatcher low(loop.get(), &ran_low, &order);
  high.set(high_fds.fd[0], EV_READ);
  low.set(low_fds.fd[0], EV_READ);
  low.set_priority(-1);  // while active: it stays active
  BOOST_TEST(low.is_active());
  BOOST_TEST(low.priority() == -1);
  BOOST_REQUIRE(::write(high_fds.fd[1], "x", 1) == 1);
  BOOST_REQUIRE(::write(low_fds.fd[1], "x", 1) == 1);
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(order.ran == "high low ");

  // Back at priority 0 the two are equals again: libev's own order.
  low.set_priority(0);
  order.ran.clear();
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(order.ran == "low high ");
}

// A prepare watcher started by the callbacks of one iteration runs once,
// after all of them and before the callbacks of the next poll.
BOOST_AUTO_TEST_CASE(a_prepare_watcher_runs_after_every_callback_of_its_iteration) {
  EvLoop loop(ev_loop_new(EVBACKEND_EPOLL));
  SocketPair a_fds, b_fds;
  Flusher f(loop.get());
  f.a.set(a_fds.fd[0], EV_READ);
  f.b.set(b_fds.fd[0], EV_READ);
  BOOST_REQUIRE(::write(a_fds.fd[1], "x", 1) == 1);
  BOOST_REQUIRE(::write(b_fds.fd[1], "x", 1) == 1);
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(f.ran == "io io ");
  BOOST_TEST(f.prepare.is_active());
  BOOST_REQUIRE(::write(a_fds.fd[1], "x", 1) == 1);
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(f.ran == "io io flush io ");
  ev_run(loop.get(), EVRUN_NOWAIT);
  BOOST_TEST(f.ran == "io io flush io flush ");
  BOOST_TEST(!f.prepare.is_active());
}

BOOST_AUTO_TEST_CASE(a_handed_over_fd_reports_the_same_events_to_its_new_watcher) {
  check_hand_over(EV_READ, EV_READ, EV_READ);
}

BOOST_AUTO_TEST_CASE(a_handed_over_fd_reports_other_events_to_its_new_watcher) {
  check_hand_over(EV_WRITE, EV_READ, EV_READ);
  check_hand_over(EV_READ, EV_READ | EV_WRITE, EV_READ | EV_WRITE);
}

BOOST_AUTO_TEST_CASE(a_stopped_timer_does_not_fire_even_when_already_pending) {
  EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  Pair p(loop.get());
  p.a.start(0.001);
  p.b.start(0.002);
  ev_sleep(0.01);  // both expire before the loop looks
  ev_run(loop.get(), EVRUN_ONCE);
  BOOST_CHECK_EQUAL(p.fired_a, 1);
  BOOST_CHECK_EQUAL(p.fired_b, 0);
  BOOST_CHECK(!p.b.is_active());
}

BOOST_AUTO_TEST_CASE(a_destroyed_timer_does_not_fire_even_when_already_pending) {
  EvLoop loop(ev_loop_new(EVFLAG_AUTO));
  Pair p(loop.get());
  p.destroy_b = true;
  p.b_owned = std::make_unique<TimerWatcher>(loop.get(), &on_owned, &p);
  p.a.start(0.001);
  p.b_owned->start(0.002);
  ev_sleep(0.01);
  ev_run(loop.get(), EVRUN_ONCE);
  BOOST_CHECK_EQUAL(p.fired_a, 1);
  BOOST_CHECK_EQUAL(p.fired_owned, 0);
  BOOST_CHECK(!p.b_owned);
}

BOOST_AUTO_TEST_SUITE_END()
