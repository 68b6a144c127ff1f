// tandemctl: the operator's client of tandemd's status socket. Sends one
// request line, prints the answer, and says how it went in its exit code.
// The protocol and the commands are in docs/status.md.

#include <stdio.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/status/ctl_request.h"
#include "daemon/status/status_client.h"
#include "daemon/version.h"

namespace {

using tandem::status::ClientFailure;

constexpr const char* kDefaultSocket = "/run/tandem/tandem.sock";

// Exit codes; docs/status.md lists them too.
constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;      // the daemon refused or failed (404, 409, 500)
constexpr int kExitUsage = 2;        // bad arguments, or 400 from the daemon
constexpr int kExitUnreachable = 3;  // no socket, refused, timeout
constexpr int kExitDenied = 4;       // 403, or EACCES on connect

constexpr const char* kUsage = R"(usage: tandemctl [-s SOCKET] [--json] [--timeout SECONDS] COMMAND [ARGS...]

Talks to tandemd over its status socket.

commands:
  status                          the node at a glance (= show status)
  show status|pools|http|conns|sticky|...
                                  tables of live state
  get OID...                      read objects (like snmpget -On)
  next OID...                     read the objects after these (like snmpgetnext -On)
  walk [OID]                      read a subtree (like snmpwalk -On)
  server disable|enable|drain POOL/SERVER
  server weight POOL/SERVER N     operator decisions on a server (root)
  reload                          re-read the configuration (root)
  failover [INSTANCE] [--release] hand the VIPs to the peer / end the hold (root)
  help [COMMAND]                  the daemon's list of commands
  raw LINE...                     send any line as is

options:
  -s, --socket PATH     the status socket (default $TANDEM_SOCKET, else
                        /run/tandem/tandem.sock)
  --json                ask for JSON (tables, get/next/walk, help)
  --timeout SECONDS     give up after this long (default 10; failover 60)
  -h, --help            this text

exit codes:
  0  OK
  1  the daemon refused or failed (ERR 404, 409, 500)
  2  usage error: bad arguments, or ERR 400 from the daemon
  3  cannot reach the daemon (no socket, connection refused, timeout)
  4  permission denied (ERR 403, or no permission on the socket)
)";

struct Options {
  std::string socket;
  bool json = false;
  double timeout_s = -1;  // < 0: the command's default
  std::vector<std::string> words;
};

int usage_error(const std::string& message) {
  fprintf(stderr, "tandemctl: %s\n", message.c_str());
  return kExitUsage;
}

bool parse_seconds(const std::string& text, double& out) {
  char* end = nullptr;
  const double v = strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v <= 0 || v > 86400) return false;
  out = v;
  return true;
}

// Returns -1 when the options are fine, else the exit code.
int parse_options(int argc, char** argv, Options& opt) {
  const char* env = getenv("TANDEM_SOCKET");
  opt.socket = env && *env ? env : kDefaultSocket;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& name, std::string& out) {
      const std::string prefix = name + "=";
      if (a.rfind(prefix, 0) == 0) {
        out = a.substr(prefix.size());
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      fputs(kUsage, stdout);
      return kExitOk;
    } else if (a == "-v" || a == "--version") {
      printf("tandemctl %s\n", tandem::kVersion);
      return kExitOk;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a == "-s" || a == "--socket" || a.rfind("--socket=", 0) == 0) {
      if (!value(a == "-s" ? "-s" : "--socket", v) || v.empty()) return usage_error(a + " needs a socket path");
      opt.socket = v;
    } else if (a == "--timeout" || a.rfind("--timeout=", 0) == 0) {
      if (!value("--timeout", v) || !parse_seconds(v, opt.timeout_s)) {
        return usage_error("--timeout needs a number of seconds (e.g. 10 or 0.5)");
      }
    } else if (a == "--") {
      ++i;
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'; try 'tandemctl --help'");
    } else {
      break;
    }
  }
  for (; i < argc; ++i) opt.words.emplace_back(argv[i]);
  if (opt.words.empty()) {
    fputs(kUsage, stderr);
    return kExitUsage;
  }
  return -1;
}

int exit_code_for(int code) {
  switch (code) {
    case 200: return kExitOk;
    case 400: return kExitUsage;
    case 403: return kExitDenied;
    default: return kExitRefused;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (int rc = parse_options(argc, argv, opt); rc >= 0) return rc;

  auto line = tandem::status::build_ctl_request(opt.words, opt.json);
  if (!line) return usage_error(line.error().message);

  double timeout_s = opt.timeout_s;
  if (timeout_s < 0) timeout_s = opt.words[0] == "failover" ? 60 : 10;
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(timeout_s * 1000)));

  const auto result = tandem::status::request(opt.socket, *line, timeout);
  if (result.failure != ClientFailure::None) {
    fprintf(stderr, "tandemctl: %s\n", result.error.c_str());
    return result.failure == ClientFailure::PermissionDenied ? kExitDenied : kExitUnreachable;
  }
  const auto& r = result.response;
  if (r.ok()) {
    for (const auto& l : r.body) printf("%s\n", l.c_str());
    fflush(stdout);
    return ferror(stdout) ? kExitRefused : kExitOk;
  }
  if (r.code == 0) {
    fprintf(stderr, "tandemctl: malformed answer from tandemd: %s\n", r.message.c_str());
    return kExitRefused;
  }
  fprintf(stderr, "tandemctl: %s\n", r.message.c_str());
  for (const auto& l : r.body) fprintf(stderr, "%s\n", l.c_str());
  return exit_code_for(r.code);
}
