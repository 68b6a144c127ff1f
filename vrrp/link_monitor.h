#pragma once
// Tells when interfaces go down or come back: a netlink socket subscribed
// to RTNLGRP_LINK (libnl-3), non-blocking, for the VRRP thread's loop to
// watch. "Up" means IFF_UP and IFF_RUNNING (administratively up with a
// carrier), as keepalived's interface tracking uses.
//
// Threading: one thread at a time (the VRRP thread).

#include <netlink/socket.h>

#include <functional>

#include "base/c_ptr.h"
#include "base/result.h"

namespace tandem::vrrp {

class LinkMonitor {
 public:
  static base::Result<LinkMonitor> open();

  LinkMonitor(LinkMonitor&&) noexcept = default;
  LinkMonitor& operator=(LinkMonitor&&) noexcept = default;

  // Readable when link events are pending.
  int fd() const;

  // Reads every pending event and calls `on_link(ifindex, up)` for each
  // link message (also for ones that repeat the current state: the caller
  // compares); RTM_DELLINK reports down. AF_BRIDGE messages (a port
  // joining or leaving a bridge) are not link state and are skipped. At
  // most 256 datagrams per call, so a storm cannot hold the loop: the fd
  // then stays readable. Returns an error only if the socket broke
  // (ENOBUFS, an overrun, is reported as an error so the caller re-reads
  // the state; the monitor keeps working afterwards).
  base::Status drain(const std::function<void(int ifindex, bool up)>& on_link);

 private:
  explicit LinkMonitor(base::CPtr<nl_sock, nl_socket_free> sock) : sock_(std::move(sock)) {}
  base::CPtr<nl_sock, nl_socket_free> sock_;
};

}  // namespace tandem::vrrp
