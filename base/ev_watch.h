#pragma once
// RAII wrappers for libev watchers (STYLE habit 5; the nghttpx pattern):
// a watcher is a member of the object it serves, calls back into it through
// a plain function pointer + owner pointer (no allocation, no std::function
// on the hot path), and is stopped in the owner's destructor.
//
// Threading: a watcher belongs to the loop it was created with; only that
// loop's thread may start, stop or change it. AsyncWatcher::send() is the
// one call that may come from any thread.

#include <ev.h>

namespace tandem::base {

// Adapts a member function to the (void* owner, int revents) callback shape:
//   IoWatcher w{loop, &member_callback<Conn, &Conn::on_io>, this};
template <typename T, void (T::*Method)(int)>
void member_callback(void* owner, int revents) {
  (static_cast<T*>(owner)->*Method)(revents);
}

using WatcherCallback = void (*)(void* owner, int revents);

// Owns a loop made with ev_loop_new(); destroys it last. Declare it before
// every member that holds a watcher on it, so it outlives them.
class EvLoop {
 public:
  explicit EvLoop(struct ev_loop* loop) : loop_(loop) {}
  ~EvLoop() {
    if (loop_ != nullptr) ev_loop_destroy(loop_);
  }
  EvLoop(const EvLoop&) = delete;
  EvLoop& operator=(const EvLoop&) = delete;
  struct ev_loop* get() const { return loop_; }

 private:
  struct ev_loop* loop_;
};

class IoWatcher {
 public:
  IoWatcher(struct ev_loop* loop, WatcherCallback cb, void* owner) : loop_(loop), cb_(cb), owner_(owner) {
    ev_io_init(&w_, &IoWatcher::thunk, -1, 0);
    w_.data = this;
  }
  ~IoWatcher() { stop(); }
  IoWatcher(const IoWatcher&) = delete;
  IoWatcher& operator=(const IoWatcher&) = delete;

  // Watches `fd` for `events` (EV_READ | EV_WRITE). events == 0 stops.
  // Cheap when nothing changes.
  void set(int fd, int events) {
    if (is_active() && fd == w_.fd && events == (w_.events & (EV_READ | EV_WRITE))) return;
    stop();
    ev_io_set(&w_, fd, events);
    if (events != 0) ev_io_start(loop_, &w_);
  }
  // Changes only the event mask of the current fd.
  void set_events(int events) { set(w_.fd, events); }
  // As set(), for an fd another watcher of this loop watched until now and
  // has stopped watching (a connection handed from one owner to another,
  // never closed in between). set() makes libev re-register the fd with
  // the kernel (for epoll an ADD that fails with EEXIST: one wasted system
  // call per hand-over); this keeps the registration, as ev_io_modify does.
  // Never for an fd that may have been closed and reopened since: its
  // registration is gone and no event would come.
  void set_handed_over(int fd, int events) {
    stop();
    w_.fd = fd;
    w_.events = events;  // without EV__IOFDSET: the kernel knows this fd
    if (events != 0) ev_io_start(loop_, &w_);
  }
  // libev's priority (EV_MINPRI..EV_MAXPRI, 0 by default): of the watchers
  // ready in one loop iteration, those of a higher priority run first.
  // Keeps the watcher running and its registration with the kernel.
  void set_priority(int priority) {
    if (ev_priority(&w_) == priority) return;
    bool active = is_active();
    stop();
    ev_set_priority(&w_, priority);
    if (active) ev_io_start(loop_, &w_);
  }
  int priority() const { return ev_priority(&w_); }
  // Unconditional: ev_io_stop also clears a pending event (see TimerWatcher::stop).
  void stop() { ev_io_stop(loop_, &w_); }
  bool is_active() const { return ev_is_active(&w_); }
  int fd() const { return w_.fd; }
  int events() const { return is_active() ? (w_.events & (EV_READ | EV_WRITE)) : 0; }
  // Makes the callback run in this loop iteration with `revents`, as if
  // the fd had been ready: for bytes a layer above the socket (TLS) holds
  // already, which no readiness event will announce.
  void feed(int revents) { ev_feed_event(loop_, &w_, revents); }

 private:
  static void thunk(struct ev_loop*, ev_io* w, int revents) {
    auto* self = static_cast<IoWatcher*>(w->data);
    self->cb_(self->owner_, revents);
  }
  struct ev_loop* loop_;
  WatcherCallback cb_;
  void* owner_;
  ev_io w_;
};

class TimerWatcher {
 public:
  TimerWatcher(struct ev_loop* loop, WatcherCallback cb, void* owner) : loop_(loop), cb_(cb), owner_(owner) {
    ev_timer_init(&w_, &TimerWatcher::thunk, 0., 0.);
    w_.data = this;
  }
  ~TimerWatcher() { stop(); }
  TimerWatcher(const TimerWatcher&) = delete;
  TimerWatcher& operator=(const TimerWatcher&) = delete;

  // Fires after `after` seconds, then every `repeat` seconds if repeat > 0.
  void start(double after, double repeat = 0.) {
    stop();
    ev_timer_set(&w_, after, repeat);
    ev_timer_start(loop_, &w_);
  }
  // libev's ev_timer_again: (re)arms with the repeat value; stops if repeat is 0.
  void again(double repeat) {
    w_.repeat = repeat;
    ev_timer_again(loop_, &w_);
  }
  // Unconditional on purpose: a one-shot timer that has expired is inactive
  // but still pending until its callback runs later in this loop iteration.
  // ev_timer_stop clears the pending status too (libev(3), ev_TYPE_stop), so
  // a timer stopped or destroyed by an earlier callback never fires.
  void stop() { ev_timer_stop(loop_, &w_); }
  bool is_active() const { return ev_is_active(&w_); }
  double remaining() const { return ev_timer_remaining(loop_, const_cast<ev_timer*>(&w_)); }

 private:
  static void thunk(struct ev_loop*, ev_timer* w, int revents) {
    auto* self = static_cast<TimerWatcher*>(w->data);
    self->cb_(self->owner_, revents);
  }
  struct ev_loop* loop_;
  WatcherCallback cb_;
  void* owner_;
  ev_timer w_;
};

// Runs just before the loop waits for events: after every callback of a
// loop iteration, before libev hands its watcher changes to the kernel.
class PrepareWatcher {
 public:
  PrepareWatcher(struct ev_loop* loop, WatcherCallback cb, void* owner) : loop_(loop), cb_(cb), owner_(owner) {
    ev_prepare_init(&w_, &PrepareWatcher::thunk);
    w_.data = this;
  }
  ~PrepareWatcher() { stop(); }
  PrepareWatcher(const PrepareWatcher&) = delete;
  PrepareWatcher& operator=(const PrepareWatcher&) = delete;

  void start() { ev_prepare_start(loop_, &w_); }
  void stop() { ev_prepare_stop(loop_, &w_); }
  bool is_active() const { return ev_is_active(&w_); }

 private:
  static void thunk(struct ev_loop*, ev_prepare* w, int revents) {
    auto* self = static_cast<PrepareWatcher*>(w->data);
    self->cb_(self->owner_, revents);
  }
  struct ev_loop* loop_;
  WatcherCallback cb_;
  void* owner_;
  ev_prepare w_;
};

// Wakes a loop from another thread. Started on construction.
class AsyncWatcher {
 public:
  AsyncWatcher(struct ev_loop* loop, WatcherCallback cb, void* owner) : loop_(loop), cb_(cb), owner_(owner) {
    ev_async_init(&w_, &AsyncWatcher::thunk);
    w_.data = this;
    ev_async_start(loop_, &w_);
  }
  ~AsyncWatcher() { ev_async_stop(loop_, &w_); }
  AsyncWatcher(const AsyncWatcher&) = delete;
  AsyncWatcher& operator=(const AsyncWatcher&) = delete;

  // Any thread. Several sends before the loop runs coalesce into one callback.
  void send() { ev_async_send(loop_, &w_); }

 private:
  static void thunk(struct ev_loop*, ev_async* w, int revents) {
    auto* self = static_cast<AsyncWatcher*>(w->data);
    self->cb_(self->owner_, revents);
  }
  struct ev_loop* loop_;
  WatcherCallback cb_;
  void* owner_;
  ev_async w_;
};

// Signals are delivered only to the default loop (libev's rule).
class SignalWatcher {
 public:
  SignalWatcher(struct ev_loop* loop, int signum, WatcherCallback cb, void* owner)
      : loop_(loop), cb_(cb), owner_(owner) {
    ev_signal_init(&w_, &SignalWatcher::thunk, signum);
    w_.data = this;
    ev_signal_start(loop_, &w_);
  }
  ~SignalWatcher() { ev_signal_stop(loop_, &w_); }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  static void thunk(struct ev_loop*, ev_signal* w, int revents) {
    auto* self = static_cast<SignalWatcher*>(w->data);
    self->cb_(self->owner_, revents);
  }
  struct ev_loop* loop_;
  WatcherCallback cb_;
  void* owner_;
  ev_signal w_;
};

}  // namespace tandem::base
