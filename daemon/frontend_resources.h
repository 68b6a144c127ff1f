#pragma once
// What a frontend owns beyond its config, kept across reloads by frontend
// name: its per-source limit table (the counters survive a reload while the
// limits are unchanged) and its access log (the file stays open while the
// target is unchanged, and is reopened on every reload, for log rotation),
// and its TLS contexts (built anew from the files on every load, so a reload
// picks up new certificates; the session-ticket keys behind them are the
// daemon's, kept for its whole life).
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
namespace tandem::tls {
class FrontendTls;
class PoolTls;
class TicketKeys;
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

  // The TLS of every frontend with `tls_cert` and of every pool with a
  // `tls` server, by name, as built from `config` and the files it names
  // now. The first error, named FILE:LINE, fails the whole build; nothing
  // changes either way until set_tls() (a reload that fails later keeps the
  // running contexts).
  struct TlsSet {
    std::map<std::string, std::shared_ptr<const tls::FrontendTls>> frontends;
    std::map<std::string, std::shared_ptr<const tls::PoolTls>> pools;
  };
  base::Result<TlsSet> build_tls(const conf::Config& config) const;
  void set_tls(TlsSet tls) { tls_ = std::move(tls); }
  std::shared_ptr<const tls::FrontendTls> tls(const std::string& frontend) const;
  std::shared_ptr<const tls::PoolTls> pool_tls(const std::string& pool) const;
  const std::map<std::string, std::shared_ptr<const tls::PoolTls>>& pools_tls() const { return tls_.pools; }

  std::shared_ptr<tables::SourceLimits> limits(const std::string& frontend) const;
  // Every frontend's table, by name (the map object lives as long as this).
  const std::map<std::string, std::shared_ptr<tables::SourceLimits>>& limit_tables() const { return limits_; }
  // Every frontend's session-ticket keys (one set, kept across reloads).
  const std::shared_ptr<tls::TicketKeys>& ticket_keys() const { return ticket_keys_; }
  std::shared_ptr<http_proxy::AccessLog> access_log(const std::string& frontend) const;

  // Writes what the workers queued (every ~100 ms, and at stop).
  void flush_logs();
  // Reopens every log file (rotation: SIGHUP / reload after a rename).
  void reopen_logs();

 private:
  std::map<std::string, std::shared_ptr<tables::SourceLimits>> limits_;
  std::map<std::string, std::shared_ptr<http_proxy::AccessLog>> logs_;
  std::shared_ptr<tls::TicketKeys> ticket_keys_;
  TlsSet tls_;
};

}  // namespace tandem
