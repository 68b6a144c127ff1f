// tandemd: the Tandem load-balancer daemon.
//
//   tandemd -c FILE            run in the foreground (as systemd expects)
//   tandemd -c FILE --check    validate FILE and exit 0 (valid) or 1
//   tandemd --version

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <memory>
#include <string>

#include "base/log.h"
#include "conf/config.h"
#include "daemon/daemon.h"
#include "daemon/feature_gate.h"
#include "daemon/frontend_resources.h"
#include "daemon/version.h"

namespace {

constexpr const char* kUsage =
    "usage: tandemd -c FILE [--check] [--debug]\n"
    "       tandemd --version\n"
    "  -c, --config FILE  the node's configuration (INI)\n"
    "  -t, --check        validate the configuration and exit: 0 valid, 1 errors\n"
    "  -d, --debug        log at debug level (overrides log_level)\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  bool debug = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "-t" || arg == "--check") {
      check_only = true;
    } else if (arg == "-d" || arg == "--debug") {
      debug = true;
    } else if (arg == "-v" || arg == "--version") {
      printf("tandemd %s\n", tandem::kVersion);
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      fputs(kUsage, stdout);
      return 0;
    } else {
      fprintf(stderr, "tandemd: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (config_path.empty()) {
    fprintf(stderr, "tandemd: no configuration file given (-c FILE)\n%s", kUsage);
    return 2;
  }

  tandem::conf::LoadResult loaded = tandem::conf::load_config_file(config_path);
  if (!loaded.ok()) {
    // One line per problem, nothing else: scripts and editors parse FILE:LINE.
    for (const auto& e : loaded.errors) fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  if (auto missing = tandem::features_not_available(*loaded.config); !missing.empty()) {
    for (const auto& m : missing) fprintf(stderr, "%s\n", m.c_str());
    return 1;
  }
  if (check_only) {
    // The certificate and key files are read and matched here too, as the
    // daemon would at start.
    auto tls = tandem::FrontendResources().build_tls(*loaded.config);
    if (!tls) {
      fprintf(stderr, "%s\n", tls.error().message.c_str());
      return 1;
    }
    printf("%s: configuration is valid\n", config_path.c_str());
    return 0;
  }

  auto config = std::make_shared<const tandem::conf::Config>(std::move(*loaded.config));
  tandem::base::set_log_level(debug ? tandem::base::LogLevel::Debug : config->global.log_level);
  signal(SIGPIPE, SIG_IGN);  // a peer that vanished is an error value, not a signal

  tandem::Daemon daemon(config);
  tandem::base::Status started = daemon.start();
  if (!started) {
    TLOG_ERROR("cannot start: %s", started.error().message.c_str());
    return 1;
  }
  return daemon.run();
}
