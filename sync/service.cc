#include "sync/service.h"

namespace tandem::sync {

// The channel's Transport over the link; the link is set once built.
class Service::LinkTransport final : public Transport {
 public:
  bool send(std::string_view frames) override { return link_->send(frames); }
  size_t queued() const override { return link_->queued(); }
  void reset(GoodbyeReason reason, std::string text) override { link_->reset(reason, std::move(text)); }
  Link* link_ = nullptr;
};

Service::Service(struct ev_loop* loop, const base::Clock& clock, Replica& replica, ServiceOptions options)
    : clock_(clock),
      transport_(std::make_unique<LinkTransport>()),
      channel_(replica, *transport_, clock, options.channel),
      tick_(loop, &base::member_callback<Service, &Service::on_tick>, this),
      batch_delay_s_(base::to_seconds(options.channel.batch_delay)) {
  LinkEvents events;
  events.on_up = [this] {
    channel_.on_up(clock_.now());
    tick_.start(batch_delay_s_, batch_delay_s_);
  };
  events.on_frame = [this](Frame&& frame) { channel_.on_frame(std::move(frame), clock_.now()); };
  events.on_down = [this](const std::string& why) {
    tick_.stop();
    channel_.on_down(why, clock_.now());
  };
  link_ = std::make_unique<Link>(loop, std::move(options.link), std::move(events));
  transport_->link_ = link_.get();
}

Service::~Service() {
  tick_.stop();
  link_.reset();  // no link callbacks after this; the channel fails its waiters
}

base::Status Service::start() { return link_->start(); }

void Service::stop() {
  tick_.stop();
  link_->stop(GoodbyeReason::Shutdown, "tandemd is stopping");
}

void Service::resync(const std::string& why) {
  if (link_->up()) link_->reset(GoodbyeReason::Shutdown, why);
}

void Service::when_synced(base::Millis timeout, std::function<void(bool ok, const std::string& why)> done) {
  const base::MonoTime now = clock_.now();
  channel_.when_synced(now + timeout, std::move(done), now);
}

void Service::on_tick(int) { channel_.tick(clock_.now()); }

}  // namespace tandem::sync
