#include "vrrp/service.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "base/event_queue.h"
#include "base/ev_watch.h"
#include "base/log.h"
#include "vrrp/advert_socket.h"
#include "vrrp/garp_sender.h"
#include "vrrp/instance.h"
#include "vrrp/interface_info.h"
#include "vrrp/link_monitor.h"
#include "vrrp/notify_runner.h"
#include "vrrp/vip_manager.h"

namespace tandem::vrrp {
namespace {

constexpr size_t kReadBurst = 64;           // packets read per wake-up, so one link cannot starve the loop
constexpr size_t kPacketBuffer = 2048;      // > any VRRP packet (IP header + 8 + 255 * 4)
constexpr int kRealtimePriority = 10;       // SCHED_RR, low among real-time threads
const auto kCommandTimeout = std::chrono::seconds(2);

// The identity of an instance: what a reload cannot change in place.
std::string identity_change(const conf::VrrpConf& a, const conf::VrrpConf& b) {
  std::vector<std::string> keys;
  if (a.interface != b.interface) keys.push_back("interface");
  if (a.vrid != b.vrid) keys.push_back("vrid");
  if (a.vips != b.vips) keys.push_back("vip");
  if (a.unicast_peers != b.unicast_peers) keys.push_back("unicast_peer");
  if (a.source_address != b.source_address) keys.push_back("source_address");
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace

// One interface with VRRP instances on it: the socket they share, the GARP
// sender, and what we know of the link.
struct Link : InstancePorts {
  class ServiceCore* owner = nullptr;
  InterfaceInfo info;
  std::optional<AdvertSocket> socket;
  std::optional<GarpSender> garp;
  std::unique_ptr<base::IoWatcher> watcher;
  std::vector<Instance*> instances;

  base::Status send_advert(std::span<const uint8_t> message, Ipv4 source, Ipv4 destination) override {
    return socket->send(message, source, destination);
  }
  base::Status add_vip(const VipAddress& vip) override;
  base::Status remove_vip(const VipAddress& vip) override;
  base::Status send_garp(Ipv4 vip) override { return garp->send(vip); }
  void run_hook(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env) override;
  void state_changed(const StateChange& change) override;
  void on_readable(int revents);
};

class ServiceCore {
 public:
  ServiceCore(std::vector<conf::VrrpConf> configs, Service::StateCallback on_change)
      : configs_(std::move(configs)),
        on_change_(std::move(on_change)),
        loop_(ev_loop_new(EVFLAG_AUTO)),
        tasks_(loop_.get(), [](base::Task&& t) { t(); }),
        link_watcher_(loop_.get(), &base::member_callback<ServiceCore, &ServiceCore::on_link_event>, this),
        notify_(loop_.get()) {}

  ~ServiceCore() { stop(); }

  base::Status start();
  void stop();

  // Runs `fn` on the VRRP thread and waits for its result (bounded).
  template <typename T>
  std::optional<T> call(std::function<T()> fn) {
    if (!running_) return std::nullopt;
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    tasks_.post([promise, fn = std::move(fn)] { promise->set_value(fn()); });
    if (future.wait_for(kCommandTimeout) != std::future_status::ready) return std::nullopt;
    return future.get();
  }
  void post(base::Task task) {
    if (running_) tasks_.post(std::move(task));
  }

  Instance* find(const std::string& name) {
    for (auto& i : instances_)
      if (i->conf().name == name) return i.get();
    return nullptr;
  }
  std::vector<Instance*> matching(std::string_view name) {
    std::vector<Instance*> out;
    for (auto& i : instances_)
      if (name.empty() || i->conf().name == name) out.push_back(i.get());
    return out;
  }
  ServiceStatus build_status() const;
  const std::vector<conf::VrrpConf>& configs() const { return configs_; }
  void set_configs(std::vector<conf::VrrpConf> c) { configs_ = std::move(c); }

  // --- for Link ---
  VipManager& vips() { return *vip_manager_; }
  NotifyRunner& notify() { return notify_; }
  void record(const StateChange& change) {
    history_.push_back(change);
    while (history_.size() > ServiceStatus::kHistorySize) history_.pop_front();
    if (on_change_) on_change_(change);
  }
  void handle_packet(Link& link, std::span<const uint8_t> bytes);

 private:
  base::Status open_links();
  void remove_stale_vips();
  void run_thread();
  void on_link_event(int revents);

  std::vector<conf::VrrpConf> configs_;
  Service::StateCallback on_change_;
  base::EvLoop loop_;
  base::TaskQueue tasks_;
  base::IoWatcher link_watcher_;
  NotifyRunner notify_;
  std::optional<VipManager> vip_manager_;
  std::optional<LinkMonitor> link_monitor_;
  std::map<std::string, std::unique_ptr<Link>> links_;  // by interface name
  std::vector<std::unique_ptr<Instance>> instances_;
  std::deque<StateChange> history_;
  DropCounters drops_;
  base::RateLimitedLog drop_log_{5, std::chrono::seconds(10)};
  std::thread thread_;
  bool running_ = false;
  bool realtime_ = false;
};

base::Status Link::add_vip(const VipAddress& vip) { return owner->vips().add(info.ifindex, vip); }
base::Status Link::remove_vip(const VipAddress& vip) { return owner->vips().remove(info.ifindex, vip); }
void Link::run_hook(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env) {
  owner->notify().run(command, env);
}
void Link::state_changed(const StateChange& change) { owner->record(change); }

void Link::on_readable(int) {
  uint8_t buffer[kPacketBuffer];
  for (size_t i = 0; i < kReadBurst; ++i) {
    auto n = socket->receive(buffer);
    if (!n || *n == 0) return;  // errors on a raw socket are transient (ICMP); the next packet will do
    owner->handle_packet(*this, std::span<const uint8_t>(buffer, *n));
  }
}

void ServiceCore::handle_packet(Link& link, std::span<const uint8_t> bytes) {
  ParseResult r = parse_ipv4_packet(bytes);
  Instance* instance = nullptr;
  for (Instance* i : link.instances)
    if (r.vrid == i->conf().vrid) instance = i;
  if (!r.ok) {
    if (r.reason == DropReason::NotVrrp) return;  // not for us at all
    ++drops_[r.reason];
    if (instance != nullptr) instance->count_drop(r.reason);
    drop_log_.log(base::LogLevel::Warning, "vrrp: dropped a packet on %s (vrid %d): %s", link.info.name.c_str(),
                  r.vrid, to_string(r.reason));
    return;
  }
  if (instance == nullptr) {
    ++drops_.unknown_vrid;  // another virtual router on the same link: normal, not logged
    return;
  }
  const auto& peers = instance->conf().unicast_peers;
  if (!peers.empty() && std::find(peers.begin(), peers.end(), r.packet.source) == peers.end()) {
    ++drops_.not_from_peer;
    drop_log_.log(base::LogLevel::Warning, "vrrp %s: advert from %s, which is not a unicast_peer: dropped",
                  instance->conf().name.c_str(), format_ipv4(r.packet.source).c_str());
    return;
  }
  instance->on_packet(r.packet);
}

base::Status ServiceCore::open_links() {
  std::vector<Ipv4> all_vips;
  for (const auto& c : configs_)
    for (const auto& v : c.vips) all_vips.push_back(v.address);
  for (const auto& c : configs_) {
    auto& link = links_[c.interface];
    if (link) continue;
    link = std::make_unique<Link>();
    link->owner = this;
    auto info = read_interface(c.interface, all_vips);
    if (!info) return base::make_error("vrrp " + c.name + ": " + info.error().message);
    link->info = *info;
    bool multicast = false;
    for (const auto& other : configs_)
      if (other.interface == c.interface && other.unicast_peers.empty()) multicast = true;
    auto socket = AdvertSocket::open(c.interface, info->ifindex, multicast);
    if (!socket) return base::make_error("vrrp " + c.name + ": " + socket.error().message);
    link->socket.emplace(std::move(*socket));
    auto garp = GarpSender::open(info->ifindex, info->mac);
    if (!garp) return base::make_error("vrrp " + c.name + ": " + garp.error().message);
    link->garp.emplace(std::move(*garp));
    link->watcher = std::make_unique<base::IoWatcher>(loop_.get(), &base::member_callback<Link, &Link::on_readable>,
                                                      link.get());
  }
  return {};
}

// A tandemd killed with SIGKILL leaves its VIPs on the interface, where the
// kernel keeps answering ARP for them: take them off before anything else.
void ServiceCore::remove_stale_vips() {
  for (const auto& c : configs_) {
    if (c.priority == kPriorityOwner) continue;  // the owner's addresses are the box's own
    const Link& link = *links_[c.interface];
    for (const auto& v : c.vips) {
      auto present = vip_manager_->present(link.info.ifindex, v.address);
      if (!present || !*present) continue;
      if (auto s = vip_manager_->remove(link.info.ifindex, VipAddress{v.address, v.prefix_len}); !s)
        TLOG_ERROR("vrrp %s: cannot remove stale VIP %s from %s: %s", c.name.c_str(), v.text.c_str(),
                   c.interface.c_str(), s.error().message.c_str());
      else
        TLOG_WARN("vrrp %s: removed VIP %s from %s, left there by a previous run", c.name.c_str(), v.text.c_str(),
                  c.interface.c_str());
    }
  }
}

base::Status ServiceCore::start() {
  auto vm = VipManager::open();
  if (!vm) return base::make_error("vrrp: " + vm.error().message);
  vip_manager_.emplace(std::move(*vm));
  auto lm = LinkMonitor::open();
  if (!lm) return base::make_error("vrrp: " + lm.error().message);
  link_monitor_.emplace(std::move(*lm));
  if (auto s = open_links(); !s) {
    links_.clear();
    return s;
  }
  remove_stale_vips();
  for (const auto& c : configs_) {
    Link& link = *links_[c.interface];
    Ipv4 primary = c.source_address != 0 ? c.source_address : link.info.primary_address;
    if (primary == 0) {
      links_.clear();
      instances_.clear();
      return base::make_error("vrrp " + c.name + ": interface " + c.interface +
                              " has no IPv4 address to send adverts from (give one, or set source_address)");
    }
    instances_.push_back(std::make_unique<Instance>(loop_.get(), c, primary, link));
    link.instances.push_back(instances_.back().get());
  }
  for (auto& [name, link] : links_) link->watcher->set(link->socket->fd(), EV_READ);
  link_watcher_.set(link_monitor_->fd(), EV_READ);
  running_ = true;
  // The instances start on the VRRP thread, like everything after this.
  tasks_.post([this] {
    for (auto& [name, link] : links_)
      for (Instance* i : link->instances) {
        if (!link->info.link_up) i->set_link(false);
        i->start();
      }
  });
  thread_ = std::thread([this] { run_thread(); });
  return {};
}

void ServiceCore::run_thread() {
  pthread_setname_np(pthread_self(), "tandem-vrrp");
  // Real-time scheduling keeps adverts on time when the proxy workers
  // saturate every CPU; without the privilege, the normal class will do.
  sched_param param{};
  param.sched_priority = kRealtimePriority;
  realtime_ = pthread_setschedparam(pthread_self(), SCHED_RR, &param) == 0;
  if (!realtime_) TLOG_INFO("vrrp: running without real-time scheduling (no permission)");
  ev_run(loop_.get(), 0);
}

void ServiceCore::on_link_event(int) {
  base::Status s = link_monitor_->drain([this](int ifindex, bool up) {
    for (auto& [name, link] : links_) {
      if (link->info.ifindex != ifindex || link->info.link_up == up) continue;
      link->info.link_up = up;
      TLOG_NOTICE("vrrp: interface %s is %s", name.c_str(), up ? "up" : "down");
      for (Instance* i : link->instances) i->set_link(up);
    }
  });
  if (s) return;
  // Events were lost: read every link's state afresh.
  TLOG_WARN("vrrp: link events lost (%s); re-reading the interfaces", s.error().message.c_str());
  for (auto& [name, link] : links_) {
    auto info = read_interface(name);
    bool up = info && info->link_up;
    if (up == link->info.link_up) continue;
    link->info.link_up = up;
    for (Instance* i : link->instances) i->set_link(up);
  }
}

void ServiceCore::stop() {
  if (!running_) return;
  tasks_.post([this] {
    for (auto& i : instances_) i->stop();
    for (auto& [name, link] : links_) link->watcher->stop();
    link_watcher_.stop();
    ev_break(loop_.get(), EVBREAK_ALL);
  });
  thread_.join();
  running_ = false;
}

ServiceStatus ServiceCore::build_status() const {
  ServiceStatus s;
  for (const auto& i : instances_) s.instances.push_back(i->status(links_.at(i->conf().interface)->info.ifindex));
  s.history.assign(history_.begin(), history_.end());
  s.drops = drops_;
  s.notify_ok = notify_.succeeded();
  s.notify_failed = notify_.failed();
  s.realtime = realtime_;
  return s;
}

// --- Service -----------------------------------------------------------

Service::Service(std::vector<conf::VrrpConf> instances, Service::StateCallback on_change)
    : impl_(std::make_unique<ServiceCore>(std::move(instances), std::move(on_change))) {}

Service::~Service() = default;

base::Status Service::start() { return impl_->start(); }

void Service::set_penalty(const std::string& name, int penalty) {
  impl_->post([this, name, penalty] {
    if (Instance* i = impl_->find(name)) i->set_penalty(penalty);
  });
}

FailoverOutcome Service::failover(std::string_view name, FailoverMode mode) {
  std::string wanted(name);
  auto outcome = impl_->call<FailoverOutcome>([this, wanted, mode] {
    FailoverOutcome out;
    auto targets = impl_->matching(wanted);
    if (targets.empty()) out.lines.push_back("no VRRP instance named '" + wanted + "'");
    for (Instance* i : targets) {
      bool done = false;
      out.lines.push_back(i->failover(mode, done));
      out.done = out.done || done;
    }
    return out;
  });
  if (!outcome) return FailoverOutcome{false, {"the VRRP thread did not answer in time"}};
  return *outcome;
}

ServiceStatus Service::status() const {
  auto s = impl_->call<ServiceStatus>([this] { return impl_->build_status(); });
  return s ? *s : ServiceStatus{};
}

base::Status Service::reconfigure(const std::vector<conf::VrrpConf>& instances) {
  const auto& current = impl_->configs();
  std::vector<std::string> problems;
  if (instances.size() != current.size()) problems.push_back("VRRP instances were added or removed");
  for (size_t i = 0; i < instances.size() && i < current.size(); ++i) {
    if (instances[i].name != current[i].name) {
      problems.push_back("VRRP instance '" + current[i].name + "' was renamed or moved");
      continue;
    }
    std::string keys = identity_change(current[i], instances[i]);
    if (!keys.empty()) problems.push_back("[vrrp" + (instances[i].name == "default" ? "" : ":" + instances[i].name) +
                                          "] " + keys + ": cannot change on reload (restart needed)");
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return base::make_error(all);
  }
  impl_->set_configs(instances);
  impl_->post([this, instances] {
    for (const auto& c : instances)
      if (Instance* i = impl_->find(c.name)) i->reconfigure(c);
  });
  return {};
}

void Service::stop() { impl_->stop(); }

}  // namespace tandem::vrrp
