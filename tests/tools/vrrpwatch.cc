// vrrpwatch: listens for VRRP adverts (IP protocol 112) in the network
// namespace it runs in, for the e2e lab (tests/e2e/lab.sh). No tcpdump needed.
//
//   vrrpwatch [--join IFNAME] [--duration T] [--output FILE] [--ready-file F]
//
// Every advert that reaches this namespace's IP layer is printed to stdout as
// one JSON line, timed by the kernel at arrival (SO_TIMESTAMPNS):
//   {"t_ms":EPOCH_MS,"src":"10.77.0.11","dst":"224.0.0.18","ttl":255,
//    "version":3,"vrid":51,"priority":200,"advert_cs":10,"addrs":1}
// --join IFNAME joins 224.0.0.18 on IFNAME (a multicast advert is only
// delivered to a namespace that is a member; unicast adverts need nothing).
// It stops after --duration T (default: until SIGTERM/SIGINT) and then writes
// a summary to --output (or stdout), one entry per (source, vrid):
//   {"sources":[{"src":..,"vrid":..,"count":N,"priorities":[..],
//     "first_ms":EPOCH,"last_ms":EPOCH,"advert_cs":..,
//     "gap_ms":{"min":..,"p50":..,"p99":..,"max":..}}]}
// where gap_ms are the inter-arrival times of that source's adverts.
// --ready-file F is written once the socket listens. Exit 0; 2 on usage.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace {

constexpr int kProtoVrrp = 112;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  std::string join;
  double duration_s = 0;
  std::string output;
  std::string ready_file;
};

struct Source {
  long count = 0;
  std::set<int> priorities;
  double first_ms = 0;
  double last_ms = 0;
  int advert_cs = 0;
  std::vector<double> gaps;
};

double epoch_ms(const timespec& ts) { return static_cast<double>(ts.tv_sec) * 1000 + ts.tv_nsec / 1e6; }

double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return epoch_ms(ts);
}

double parse_seconds(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0) return -1;
  std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  return -1;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--join") o->join = v;
    else if (a == "--duration") o->duration_s = parse_seconds(v);
    else if (a == "--output") o->output = v;
    else if (a == "--ready-file") o->ready_file = v;
    else return false;
  }
  return argc % 2 == 1 && o->duration_s >= 0;
}

// Opens the raw socket (and joins the group); an invalid fd on error.
tandem::base::UniqueFd open_socket(const Options& opt) {
  tandem::base::UniqueFd fd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, kProtoVrrp));
  if (!fd) {
    std::perror("vrrpwatch: socket");
    return fd;
  }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (!opt.join.empty()) {
    ip_mreqn mreq{};
    ::inet_pton(AF_INET, "224.0.0.18", &mreq.imr_multiaddr);
    mreq.imr_ifindex = static_cast<int>(::if_nametoindex(opt.join.c_str()));
    if (mreq.imr_ifindex == 0 || ::setsockopt(fd.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
      std::perror("vrrpwatch: join 224.0.0.18");
      fd.reset();
    }
  }
  return fd;
}

// Reads one datagram; prints it and accounts for it. False on a hard error.
bool read_one(int fd, std::map<std::pair<std::string, int>, Source>* sources) {
  unsigned char buf[2048];
  char control[256];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, 0);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  double t = now_ms();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      t = epoch_ms(ts);
    }
  }
  if (n < static_cast<ssize_t>(sizeof(iphdr))) return true;
  iphdr ip{};
  std::memcpy(&ip, buf, sizeof ip);
  size_t hl = ip.ihl * 4u;
  if (static_cast<size_t>(n) < hl + 8) return true;
  const unsigned char* v = buf + hl;
  int version = v[0] >> 4, vrid = v[1], priority = v[2], addrs = v[3];
  int advert_cs = version == 3 ? ((v[4] & 0x0f) << 8 | v[5]) : v[5] * 100;
  char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &ip.saddr, src, sizeof src);
  ::inet_ntop(AF_INET, &ip.daddr, dst, sizeof dst);
  std::printf(
      "{\"t_ms\":%.3f,\"src\":\"%s\",\"dst\":\"%s\",\"ttl\":%d,\"version\":%d,\"vrid\":%d,\"priority\":%d,"
      "\"advert_cs\":%d,\"addrs\":%d}\n",
      t, src, dst, ip.ttl, version, vrid, priority, advert_cs, addrs);
  std::fflush(stdout);
  Source& s = (*sources)[{src, vrid}];
  if (s.count == 0) s.first_ms = t;
  else s.gaps.push_back(t - s.last_ms);
  s.last_ms = t;
  ++s.count;
  s.priorities.insert(priority);
  s.advert_cs = advert_cs;
  return true;
}

std::string summary(std::map<std::pair<std::string, int>, Source>& sources) {
  std::string out = "{\"sources\":[";
  bool first = true;
  char buf[512];
  for (auto& [key, s] : sources) {
    std::sort(s.gaps.begin(), s.gaps.end());
    auto pct = [&](double p) {
      if (s.gaps.empty()) return 0.0;
      return s.gaps[static_cast<size_t>(p * static_cast<double>(s.gaps.size() - 1) + 0.5)];
    };
    std::string prios;
    for (int p : s.priorities) prios += (prios.empty() ? "" : ",") + std::to_string(p);
    std::snprintf(buf, sizeof buf,
                  "%s{\"src\":\"%s\",\"vrid\":%d,\"count\":%ld,\"priorities\":[%s],\"first_ms\":%.3f,"
                  "\"last_ms\":%.3f,\"advert_cs\":%d,\"gap_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p99\":%.3f,"
                  "\"max\":%.3f}}",
                  first ? "" : ",", key.first.c_str(), key.second, s.count, prios.c_str(), s.first_ms, s.last_ms,
                  s.advert_cs, pct(0), pct(0.5), pct(0.99), pct(1));
    out += buf;
    first = false;
  }
  return out + "]}\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, &opt)) {
    std::fprintf(stderr, "usage: vrrpwatch [--join IFNAME] [--duration T] [--output FILE] [--ready-file F]\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  auto fd = open_socket(opt);
  if (!fd) return 1;
  if (!opt.ready_file.empty()) {
    FILE* f = std::fopen(opt.ready_file.c_str(), "w");
    if (f != nullptr) std::fputs("ready\n", f), std::fclose(f);
  }
  std::map<std::pair<std::string, int>, Source> sources;
  double end = opt.duration_s > 0 ? now_ms() + opt.duration_s * 1000 : 0;
  while (!g_stop) {
    int wait_ms = 200;
    if (end > 0) {
      double left = end - now_ms();
      if (left <= 0) break;
      wait_ms = std::min(wait_ms, static_cast<int>(left) + 1);
    }
    pollfd p{fd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r > 0 && !read_one(fd.get(), &sources)) break;
  }
  std::string s = summary(sources);
  FILE* f = opt.output.empty() ? stdout : std::fopen(opt.output.c_str(), "w");
  if (f == nullptr) return 1;
  std::fputs(s.c_str(), f);
  if (f != stdout) std::fclose(f);
  return 0;
}
