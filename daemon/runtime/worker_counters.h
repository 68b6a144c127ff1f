#pragma once
// Counters written by many proxy workers and read by the main thread, with
// no contended atomic read-modify-write on the hot path: every worker owns
// one cache-line-aligned slot and is its only writer (a relaxed load + store
// is enough); readers sum the slots.

#include <atomic>
#include <cstdint>
#include <memory>

namespace tandem::runtime {

// Adds `n` to a counter that only the calling thread ever writes.
inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void bump(std::atomic<int64_t>& c, int64_t n) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// The traffic figures kept per server and per frontend.
struct alignas(64) TrafficSlot {
  std::atomic<int64_t> active{0};         // connections open now
  std::atomic<uint64_t> total{0};         // connections ever established
  std::atomic<uint64_t> bytes_in{0};      // client -> server
  std::atomic<uint64_t> bytes_out{0};     // server -> client
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<uint64_t> no_server{0};     // connections closed because no server could take them
  // mode http
  std::atomic<uint64_t> requests{0};      // request heads read (frontend) or sent (server)
  std::atomic<uint64_t> responses[5]{};   // responses sent to clients by class: [0] = 1xx … [4] = 5xx
  std::atomic<uint64_t> own_responses{0}; // of those, Tandem's own answers (frontend)
  // TLS termination (frontend)
  std::atomic<uint64_t> tls_handshakes{0};  // completed, full or resumed
  std::atomic<uint64_t> tls_resumed{0};     // of those, resumed (ticket or session cache)
  std::atomic<uint64_t> tls_failures{0};    // begun and failed (bad bytes, version, cipher, ALPN, aborted)
};

// A plain copy of the summed slots, for status output.
struct TrafficTotals {
  int64_t active = 0;
  uint64_t total = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t connect_failures = 0;
  uint64_t no_server = 0;
  uint64_t requests = 0;
  uint64_t responses[5] = {};
  uint64_t own_responses = 0;
  uint64_t tls_handshakes = 0;
  uint64_t tls_resumed = 0;
  uint64_t tls_failures = 0;

  TrafficTotals& operator+=(const TrafficTotals& o) {
    active += o.active;
    total += o.total;
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
    connect_failures += o.connect_failures;
    no_server += o.no_server;
    requests += o.requests;
    for (int i = 0; i < 5; ++i) responses[i] += o.responses[i];
    own_responses += o.own_responses;
    tls_handshakes += o.tls_handshakes;
    tls_resumed += o.tls_resumed;
    tls_failures += o.tls_failures;
    return *this;
  }
};

// One slot per worker; the number of workers is fixed for the process's life.
class TrafficCounters {
 public:
  explicit TrafficCounters(unsigned workers) : n_(workers), slots_(new TrafficSlot[workers]) {}

  // The slot of worker `w`: written only by that worker's thread.
  TrafficSlot& slot(unsigned w) { return slots_[w]; }

  // Connections open now, summed over workers. Any thread.
  int64_t active() const {
    int64_t a = 0;
    for (unsigned i = 0; i < n_; ++i) a += slots_[i].active.load(std::memory_order_relaxed);
    return a;
  }

  // Any thread; the figures are each exact but not a consistent cut.
  TrafficTotals totals() const {
    TrafficTotals t;
    for (unsigned i = 0; i < n_; ++i) {
      const TrafficSlot& s = slots_[i];
      t.active += s.active.load(std::memory_order_relaxed);
      t.total += s.total.load(std::memory_order_relaxed);
      t.bytes_in += s.bytes_in.load(std::memory_order_relaxed);
      t.bytes_out += s.bytes_out.load(std::memory_order_relaxed);
      t.connect_failures += s.connect_failures.load(std::memory_order_relaxed);
      t.no_server += s.no_server.load(std::memory_order_relaxed);
      t.requests += s.requests.load(std::memory_order_relaxed);
      for (int c = 0; c < 5; ++c) t.responses[c] += s.responses[c].load(std::memory_order_relaxed);
      t.own_responses += s.own_responses.load(std::memory_order_relaxed);
      t.tls_handshakes += s.tls_handshakes.load(std::memory_order_relaxed);
      t.tls_resumed += s.tls_resumed.load(std::memory_order_relaxed);
      t.tls_failures += s.tls_failures.load(std::memory_order_relaxed);
    }
    return t;
  }

 private:
  unsigned n_;
  std::unique_ptr<TrafficSlot[]> slots_;
};

}  // namespace tandem::runtime
