// syncbench: how many sticky updates per second the sync channel carries
// between two nodes with a lag under 100 ms (issue 5's capacity figure).
//
//   syncbench [--rates LIST] [--duration S] [--batch-delay MS] [--sample-ms MS]
//             [--max-lag-ms MS] [--timeline 0|1]
//   syncbench --flood CONFIG [--rate R] [--duration S]
//
// Capacity (default): one process runs two nodes' worth of the real sync
// machinery — per node a sync::Service (Link over TCP + TLS 1.3 PSK on
// 127.0.0.1, Channel, batch timer) on its own thread and libev loop, over a
// DaemonReplica of its own sticky table, operator decisions and origins,
// both loaded from one config string (a pool `sticky = source` with two
// servers), so their fingerprints match. For each rate R of --rates (per
// second) a fresh pair starts on free ports, waits until both channels are
// synced, then a writer thread stores distinct 4-byte keys into A's table at
// R/s (a batch every millisecond, paced on the clock) for --duration
// seconds, while the main thread samples B's table size every --sample-ms.
// The lag of update n is the time B held n entries minus the time A's
// writer had written n (over-estimated by at most one sample period). The
// run stops at the first rate whose p99 lag exceeds --max-lag-ms (100) or
// whose rate the writer could not achieve (< 95%). One line per rate on
// stdout, then the answer: the highest rate with p99 lag under the limit.
// --timeline 1 prints, every 100 ms of each step, A's and B's counts.
// CPU: each thread's CPU time over the step (pthread_getcpuclockid) per
// 1000 updates: A (sender: feed + encode + TLS write), B (receiver: TLS
// read + decode + apply + ACK), the writer (StickyTable::store).
//
// Flood: one node of a pair whose other node is a real tandemd. CONFIG is
// that peer's view of the pair: an ini file with [global] node, a [sync]
// section (this node's listen/peer/key) and one pool `sticky = source`
// with the same pools as tandemd's config (or the fingerprints differ and
// tandemd refuses the records). Waits (up to 10 s) for the channel to be
// synced, then stores R distinct keys/s for S seconds (0 = until SIGTERM),
// so tandemd applies R updates/s on its main thread; prints what was sent.
//
// Exit status: 0 done, 1 a node failed to start or sync, 2 usage.

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/ev_watch.h"
#include "base/log.h"
#include "base/socket_address.h"
#include "conf/config.h"
#include "daemon/replication/daemon_replica.h"
#include "daemon/replication/service_options.h"
#include "sync/service.h"

namespace {

using namespace tandem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double thread_cpu_s(std::thread& t) {
  clockid_t id;
  timespec ts{};
  if (pthread_getcpuclockid(t.native_handle(), &id) != 0 || clock_gettime(id, &ts) != 0) return 0;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// A free TCP port on 127.0.0.1 (the kernel's choice, released at once).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

const char* kPairConfig = R"([global]
node = a

[frontend:f]
bind = 127.0.0.1:9
mode = tcp
pool = p

[pool:p]
balance = roundrobin
health = none
sticky = source
sticky_ttl = 1h
sticky_size = 100000000
server = s1 127.0.0.1:9
server = s2 127.0.0.1:10
)";

// One node: its tables, replica and sync service, run on a thread of its
// own with its own loop. The other threads touch only `table` (thread-safe),
// the atomics, and — after join() — `status`/`link`.
class Node {
 public:
  Node(std::string name, const conf::Config& config, sync::ServiceOptions options)
      : name_(std::move(name)), config_(config), options_(std::move(options)), admin_(name_), origins_(name_) {
    for (const conf::PoolConf& pool : config_.pools) {
      if (pool.sticky != conf::StickyKind::Source) continue;
      tables::StickyOptions o;
      o.ttl = pool.sticky_ttl;
      o.max_entries = pool.sticky_size;
      o.node_id = replication::NodeOrigins::kLocal;
      auto t = std::make_shared<tables::StickyTable>(base::SystemClock::instance(), o);
      if (!table_) {
        table_ = t;
        for (const conf::ServerConf& server : pool.servers) servers_.push_back(server.name);
      }
      tables_.emplace(pool.name, std::move(t));
    }
  }
  ~Node() { stop(); }

  tables::StickyTable* table() { return table_.get(); }
  // The servers of the pool table() belongs to.
  const std::vector<std::string>& servers() const { return servers_; }
  // Starts the thread; false (with the reason on stderr) if the service did not start.
  bool start() {
    thread_ = std::thread([this] { run(); });
    while (!started_.load() && !failed_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return !failed_.load();
  }
  bool synced() const { return synced_.load(); }
  // Records sent so far and not yet acknowledged (as of the last 5 ms poll).
  uint64_t sent() const { return sent_.load(); }
  uint64_t lag() const { return lag_.load(); }
  std::thread& thread() { return thread_; }
  void stop() {
    if (!thread_.joinable()) return;
    if (base::AsyncWatcher* a = async_.load()) a->send();
    thread_.join();
  }
  // After stop().
  const sync::ChannelStatus& status() const { return status_; }
  const sync::LinkStats& link() const { return link_; }

 private:
  void run() {
    base::EvLoop loop(ev_loop_new(EVFLAG_AUTO));
    replication::ReplicaSources s;
    s.clock = &base::SystemClock::instance();
    s.config = [this]() -> const conf::Config& { return config_; };
    s.sticky = &tables_;
    s.admin = &admin_;
    s.origins = &origins_;
    replication::DaemonReplica replica(std::move(s));
    sync::Service service(loop.get(), base::SystemClock::instance(), replica, options_);
    base::AsyncWatcher quit(loop.get(), [](void* l, int) { ev_break(static_cast<struct ev_loop*>(l), EVBREAK_ALL); },
                            loop.get());
    // The channel's state is the loop thread's: publish it for the others.
    struct Watch {
      Node* node;
      sync::Service* service;
    } watch{this, &service};
    base::TimerWatcher poll(loop.get(), [](void* w, int) {
      auto* x = static_cast<Watch*>(w);
      x->node->synced_.store(x->service->channel().state() == sync::ChannelState::Synced);
      const sync::ChannelStatus st = x->service->channel().status(base::SystemClock::instance().now());
      x->node->sent_.store(st.counters.records_sent);
      x->node->lag_.store(st.lag_records);
    }, &watch);
    poll.start(0.005, 0.005);
    if (base::Status st = service.start(); !st) {
      std::fprintf(stderr, "syncbench: node %s: %s\n", name_.c_str(), st.error().message.c_str());
      failed_.store(true);
      return;
    }
    async_ = &quit;
    started_.store(true);
    ev_run(loop.get(), 0);
    status_ = service.channel().status(base::SystemClock::instance().now());
    link_ = service.link().stats();
    async_ = nullptr;
    service.stop();
  }

  std::string name_;
  const conf::Config& config_;
  sync::ServiceOptions options_;
  replication::StickyTables tables_;
  std::shared_ptr<tables::StickyTable> table_;
  std::vector<std::string> servers_;
  replication::AdminDecisions admin_;
  replication::NodeOrigins origins_;
  std::thread thread_;
  std::atomic<base::AsyncWatcher*> async_{nullptr};
  std::atomic<bool> started_{false}, failed_{false}, synced_{false};
  std::atomic<uint64_t> sent_{0}, lag_{0};
  sync::ChannelStatus status_;
  sync::LinkStats link_;
};

bool g_timeline = false;

struct Point {
  double t;
  uint64_t n;
};

std::string key_of(uint32_t i) {
  const uint32_t a = 0x0A000000u + i;  // 10.0.0.0 + i, network order
  const char b[4] = {char(a >> 24), char(a >> 16), char(a >> 8), char(a)};
  return std::string(b, 4);
}

// Stores `total` distinct keys into `table` at `rate`/s from t0, a batch per
// millisecond; appends (time, written) after each batch. Stops early if *stop.
// Keys go to the servers in turn.
void write_paced(tables::StickyTable& table, const std::vector<std::string>& servers, double rate, uint64_t total,
                 Clock::time_point t0, std::vector<Point>* points, const std::atomic<bool>* stop = nullptr) {
  uint64_t n = 0;
  for (uint64_t tick = 1; n < total && !(stop && stop->load()); ++tick) {
    const uint64_t target = std::min<uint64_t>(total, uint64_t(rate * since(t0)) + 1);
    for (; n < target; ++n) table.store(key_of(uint32_t(n)), servers[n % servers.size()]);
    if (points) points->push_back({since(t0), n});
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(tick));
  }
}


struct StepResult {
  double rate = 0, achieved = 0, p50 = 0, p99 = 0, max = 0;
  bool caught_up = true;
  double cpu_a = 0, cpu_b = 0, cpu_w = 0;  // ms per 1000 updates
  uint64_t frames = 0, bytes = 0;
};

double percentile(std::vector<std::pair<double, uint64_t>>& lags, double q) {
  uint64_t total = 0;
  for (auto& l : lags) total += l.second;
  std::sort(lags.begin(), lags.end());
  const double want = q * double(total);
  uint64_t acc = 0;
  for (auto& l : lags)
    if ((acc += l.second) >= want) return l.first;
  return lags.empty() ? 0 : lags.back().first;
}

bool run_step(const conf::Config& config, double rate, double duration, base::Millis batch_delay, double sample_s,
              StepResult* r) {
  const int pa = free_port(), pb = free_port();
  auto addr = [](int p) { return *base::SocketAddress::parse("127.0.0.1:" + std::to_string(p)); };
  sync::ServiceOptions oa, ob;
  oa.link.listen = ob.link.peer = addr(pa);
  oa.link.peer = ob.link.listen = addr(pb);
  oa.link.key = ob.link.key = std::string(32, 'k');
  oa.channel.batch_delay = ob.channel.batch_delay = batch_delay;
  Node a("a", config, oa), b("b", config, ob);
  // The acceptor (the higher port) first, so the dialer's first try connects.
  if (pa < pb ? !b.start() || !a.start() : !a.start() || !b.start()) return false;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!(a.synced() && b.synced()) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (!(a.synced() && b.synced())) {
    std::fprintf(stderr, "syncbench: the pair did not sync within 10 s\n");
    return false;
  }
  const uint64_t total = uint64_t(rate * duration);
  std::vector<Point> written, applied;
  written.reserve(size_t(duration * 1000) + 16);
  applied.reserve(size_t((duration + 10) / sample_s) + 16);
  const double ca = thread_cpu_s(a.thread()), cb = thread_cpu_s(b.thread());
  const auto t0 = Clock::now();
  double cw = 0;
  std::thread writer([&] {
    timespec c0{}, c1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    write_paced(*a.table(), a.servers(), rate, total, t0, &written);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    cw = double(c1.tv_sec - c0.tv_sec) + double(c1.tv_nsec - c0.tv_nsec) / 1e9;
  });
  const auto stop_at = t0 + std::chrono::duration<double>(duration + 10);
  for (auto next = t0; Clock::now() < stop_at;) {
    const uint64_t n = b.table()->size();
    applied.push_back({since(t0), n});
    if (n >= total) break;
    next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sample_s));
    std::this_thread::sleep_until(next);
  }
  writer.join();
  r->cpu_a = (thread_cpu_s(a.thread()) - ca) / double(total) * 1e6;
  r->cpu_b = (thread_cpu_s(b.thread()) - cb) / double(total) * 1e6;
  r->cpu_w = cw / double(total) * 1e6;
  // The pair's goodbyes are not news.
  base::set_log_level(base::LogLevel::Error);
  a.stop();
  b.stop();
  base::set_log_level(base::LogLevel::Warning);
  r->rate = rate;
  r->achieved = written.empty() ? 0 : double(written.back().n) / written.back().t;
  r->frames = a.link().frames_out;
  r->bytes = a.link().bytes_out;
  // Lag per batch of the writer, weighted by the batch's updates.
  std::vector<std::pair<double, uint64_t>> lags;
  size_t j = 0;
  uint64_t prev = 0;
  for (const Point& w : written) {
    if (w.n == prev) continue;
    while (j < applied.size() && applied[j].n < w.n) ++j;
    const double lag = j < applied.size() ? applied[j].t - w.t : INFINITY;
    if (j >= applied.size()) r->caught_up = false;
    lags.push_back({lag, w.n - prev});
    prev = w.n;
  }
  if (g_timeline) {  // every 100 ms: written by A's writer, held by B
    size_t wi = 0;
    for (size_t k = 0; k < applied.size(); k += std::max<size_t>(1, size_t(0.1 / sample_s))) {
      while (wi + 1 < written.size() && written[wi + 1].t <= applied[k].t) ++wi;
      std::printf("  t=%6.3f  written %9llu  at B %9llu\n", applied[k].t,
                  static_cast<unsigned long long>(written.empty() ? 0 : written[wi].n),
                  static_cast<unsigned long long>(applied[k].n));
    }
  }
  r->max = lags.empty() ? 0 : std::max_element(lags.begin(), lags.end())->first;
  r->p50 = percentile(lags, 0.50) * 1000;
  r->p99 = percentile(lags, 0.99) * 1000;
  r->max *= 1000;
  return true;
}

std::vector<double> parse_list(const char* s) {
  std::vector<double> v;
  for (const char* p = s; *p;) {
    char* end;
    double x = std::strtod(p, &end);
    if (end == p) return {};
    if (*end == 'k' || *end == 'K') x *= 1000, ++end;
    v.push_back(x);
    p = *end == ',' ? end + 1 : end;
  }
  return v;
}

int capacity(std::vector<double> rates, double duration, base::Millis batch_delay, double sample_s, double max_lag) {
  conf::LoadResult loaded = conf::load_config_string(kPairConfig, "<syncbench>", conf::LoadOptions{false});
  if (!loaded.ok()) {
    std::fprintf(stderr, "syncbench: config: %s\n", loaded.errors.front().to_string().c_str());
    return 1;
  }
  std::printf("sync capacity: two nodes in one process, TCP + TLS 1.3 (PSK) on 127.0.0.1, %.1f s per rate, "
              "batch_delay %lld ms, B sampled every %.0f ms\n",
              duration, static_cast<long long>(batch_delay.count()), sample_s * 1000);
  std::printf("%10s %10s %9s %9s %9s %8s %10s %10s %10s %9s\n", "rate/s", "achieved", "p50 ms", "p99 ms", "max ms",
              "frames", "B/update", "A cpu ms", "B cpu ms", "wr cpu ms");
  std::printf("%10s %10s %9s %9s %9s %8s %10s %10s %10s %9s\n", "", "", "", "", "", "", "", "/1k upd", "/1k upd",
              "/1k upd");
  double best = 0;
  for (double rate : rates) {
    StepResult r;
    if (!run_step(*loaded.config, rate, duration, batch_delay, sample_s, &r)) return 1;
    auto ms = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.1f", v);
      return std::isinf(v) ? std::string("behind") : std::string(b);
    };
    std::printf("%10.0f %10.0f %9s %9s %9s %8llu %10.1f %10.3f %10.3f %9.3f\n", r.rate, r.achieved,
                ms(r.p50).c_str(), ms(r.p99).c_str(), ms(r.max).c_str(), static_cast<unsigned long long>(r.frames),
                double(r.bytes) / (r.rate * duration), r.cpu_a, r.cpu_b, r.cpu_w);
    std::fflush(stdout);
    const bool rate_ok = r.achieved >= 0.95 * rate;
    if (r.p99 < max_lag && rate_ok && r.caught_up) best = rate;
    if (r.p99 >= max_lag || !rate_ok || !r.caught_up) {
      std::printf("stop: %s\n", !rate_ok ? "the writer could not keep the rate" : "p99 lag over the limit");
      break;
    }
  }
  std::printf("capacity: %.0f updates/s with p99 lag < %.0f ms\n", best, max_lag);
  return 0;
}

std::atomic<bool> g_stop{false};

int flood(const char* path, double rate, double duration) {
  conf::LoadResult loaded = conf::load_config_file(path, conf::LoadOptions{false});
  if (!loaded.ok()) {
    std::fprintf(stderr, "syncbench: %s\n", loaded.errors.front().to_string().c_str());
    return 1;
  }
  const conf::Config& config = *loaded.config;
  if (!config.sync.enabled) {
    std::fprintf(stderr, "syncbench: %s has no [sync] section\n", path);
    return 1;
  }
  Node node(config.global.node, config, replication::service_options(config.sync));
  if (node.table() == nullptr) {
    std::fprintf(stderr, "syncbench: %s has no pool with sticky = source\n", path);
    return 1;
  }
  if (!node.start()) return 1;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!node.synced() && Clock::now() < deadline && !g_stop.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!node.synced()) {
    std::fprintf(stderr, "syncbench: not synced with the peer within 10 s\n");
    return 1;
  }
  std::fprintf(stderr, "syncbench: synced; storing %.0f keys/s\n", rate);
  const uint64_t total = duration > 0 ? uint64_t(rate * duration) : UINT32_MAX;
  const auto t0 = Clock::now();
  write_paced(*node.table(), node.servers(), rate, total, t0, nullptr, &g_stop);
  const double secs = since(t0);
  // Every key stored went out and was acknowledged (each is new: one record each).
  const uint64_t stored = node.table()->size();
  const auto drained_by = Clock::now() + std::chrono::seconds(5);
  while ((node.sent() < stored || node.lag() > 0) && Clock::now() < drained_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  node.stop();
  std::printf("flood: %.1f s, %zu keys stored (%.0f/s), %llu records sent, %llu frames sent\n", secs,
              node.table()->size(), double(node.table()->size()) / secs,
              static_cast<unsigned long long>(node.status().counters.records_sent),
              static_cast<unsigned long long>(node.status().counters.frames_sent));
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: syncbench [--rates LIST] [--duration S] [--batch-delay MS] [--sample-ms MS] [--max-lag-ms MS]\n"
               "       syncbench --flood CONFIG [--rate R] [--duration S]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<double> rates = parse_list("5k,10k,20k,50k,100k,200k,400k");
  double duration = 3, sample_ms = 2, max_lag = 100, rate = 20000;
  long batch_ms = 10;
  const char* flood_config = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--rates") rates = parse_list(v);
    else if (a == "--duration") duration = std::atof(v);
    else if (a == "--batch-delay") batch_ms = std::atol(v);
    else if (a == "--sample-ms") sample_ms = std::atof(v);
    else if (a == "--max-lag-ms") max_lag = std::atof(v);
    else if (a == "--flood") flood_config = v;
    else if (a == "--timeline") g_timeline = std::atoi(v) != 0;
    else if (a == "--rate") rate = parse_list(v).empty() ? 0 : parse_list(v)[0];
    else return usage();
  }
  if (rates.empty() || duration < 0 || batch_ms < 1 || sample_ms <= 0 || rate <= 0) return usage();
  tandem::base::set_log_level(tandem::base::LogLevel::Warning);
  signal(SIGPIPE, SIG_IGN);
  if (flood_config != nullptr) {
    struct sigaction sa{};
    sa.sa_handler = [](int) { g_stop.store(true); };
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    return flood(flood_config, rate, duration);
  }
  if (duration <= 0) return usage();
  return capacity(rates, duration, tandem::base::Millis(batch_ms), sample_ms / 1000, max_lag);
}
