#pragma once
// Typed events from any thread into one libev loop (STYLE habit 10):
// a mutex-guarded deque plus an ev_async that wakes the consumer loop, which
// then hands every queued event to `handler` in order.
//
// Threading: post() from any thread; the handler runs on the loop's thread.
// The queue must be destroyed on the loop's thread, after producers stopped.

#include <deque>
#include <functional>
#include <mutex>
#include <utility>

#include "base/ev_watch.h"

namespace tandem::base {

template <typename Event>
class EventQueue {
 public:
  using Handler = std::function<void(Event&&)>;

  EventQueue(struct ev_loop* loop, Handler handler)
      : handler_(std::move(handler)), async_(loop, &member_callback<EventQueue, &EventQueue::drain>, this) {}

  void post(Event event) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(event));
    }
    async_.send();
  }

 private:
  void drain(int) {
    std::deque<Event> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(pending_);
    }
    for (auto& e : batch) handler_(std::move(e));
  }

  Handler handler_;
  std::mutex mu_;
  std::deque<Event> pending_;
  AsyncWatcher async_;
};

// The common case: "run this on that loop".
using Task = std::function<void()>;
using TaskQueue = EventQueue<Task>;

}  // namespace tandem::base
