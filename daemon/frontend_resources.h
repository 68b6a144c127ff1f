#pragma once
// What a frontend owns beyond its config, kept across reloads by frontend
// name: its per-source limit table (the counters survive a reload while the
// limits are unchanged) and its access log (the file stays open while the
// target is unchanged, and is reopened on every reload, for log rotation).
//
// Threading: the daemon's main loop. The tables and logs themselves are
// used by the workers through the runtime snapshot (their own contracts).

#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "conf/config.h"

namespace tandem::tables {
class SourceLimits;
}
namespace tandem::http_proxy {
class AccessLog;
}

namespace tandem {

class FrontendResources {
 public:
  FrontendResources();
  ~FrontendResources();  // flushes the logs

  // Makes the set match `config`: keeps what is unchanged, opens new logs,
  // builds new tables. All or nothing: on an error (a log that cannot be
  // opened, named FILE:LINE) nothing changed.
  base::Status reconcile(const conf::Config& config);

  std::shared_ptr<tables::SourceLimits> limits(const std::string& frontend) const;
  std::shared_ptr<http_proxy::AccessLog> access_log(const std::string& frontend) const;

  // Writes what the workers queued (every ~100 ms, and at stop).
  void flush_logs();
  // Reopens every log file (rotation: SIGHUP / reload after a rename).
  void reopen_logs();

 private:
  std::map<std::string, std::shared_ptr<tables::SourceLimits>> limits_;
  std::map<std::string, std::shared_ptr<http_proxy::AccessLog>> logs_;
};

}  // namespace tandem
