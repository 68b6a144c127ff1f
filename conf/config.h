#pragma once
// The configuration model: plain, immutable-after-load structs, and the
// loader that builds them from one INI file (DESIGN.md "Configuration").
// This is conf/'s one public header; nothing here knows about the daemon.
//
// A reload builds a whole new Config and the daemon swaps it in; a Config is
// never modified after load_config*() returns it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/socket_address.h"

namespace tandem::conf {

using Millis = std::chrono::milliseconds;

enum class Mode { Tcp, Http };
enum class Balance { RoundRobin, LeastConn, Random, Source, Hash };
enum class StickyKind { None, Source, Cookie, Learn };
enum class HealthKind { None, Tcp, Http };
// How the TCP relay moves bulk transfers (see docs/design-notes.md, "The relay").
enum class SpliceMode { Auto, On, Off };

// Spelled as in the config file ("tcp", "roundrobin", "learn", ...).
const char* to_string(Mode m);
const char* to_string(Balance b);
const char* to_string(StickyKind s);
const char* to_string(HealthKind h);
const char* to_string(SpliceMode s);

// Where a section or line came from, for messages about it at run time.
struct SourceLocation {
  std::string file;
  int line = 0;
};

// `server = NAME HOST:PORT [weight=N] [backup] [maxconn=N]`
struct ServerConf {
  std::string name;
  base::SocketAddress address;  // resolved once, at load
  std::string address_text;     // as written, for status output
  int weight = 1;               // 0..1000; 0 = takes no new connections
  bool backup = false;          // used only while no primary server is up
  int maxconn = 0;              // 0 = no limit
  bool tls = false;             // `tls`: speak TLS to this server (mode http)
  bool tls_verify = false;      // `verify=required` (default `verify=none`)
  std::string tls_sni;          // `sni=NAME`; empty = none
  SourceLocation where;
};

// `[pool:NAME]`
struct PoolConf {
  std::string name;
  Balance balance = Balance::RoundRobin;
  // balance = hash: what L7 hashes on ("uri", "header NAME", "cookie NAME").
  // In mode tcp there is no such key and the client address is hashed.
  std::string hash_key;
  StickyKind sticky = StickyKind::None;
  std::string sticky_cookie;  // sticky = learn NAME: NAME; sticky = cookie: the cookie Tandem sets
  Millis sticky_ttl{30 * 60 * 1000};
  size_t sticky_size = 100000;
  HealthKind health = HealthKind::Tcp;
  std::string health_path = "/";
  int health_expect = 200;
  std::string health_host;  // Host header of http checks; empty = the server's address
  Millis health_interval{2000};
  Millis health_timeout{1000};
  int health_rise = 2;
  int health_fall = 3;
  Millis timeout_connect{5000};
  Millis timeout_server{30000};
  int retries = 2;
  // mode http: idle keep-alive connections to servers, reused across clients.
  Millis server_keepalive_idle{30000};  // how long one may stay idle; 0 = no reuse
  int server_keepalive_max = 64;        // idle connections kept per server, per worker
  std::string tls_ca_file;              // `server … tls verify=required`: the CAs; empty = system
  std::vector<ServerConf> servers;
  SourceLocation where;

  const ServerConf* find_server(std::string_view server_name) const;
};

// `route = host NAME -> POOL` | `route = path PREFIX -> POOL` |
// `route = header FIELD VALUE -> POOL` (mode http; first match wins).
struct RouteConf {
  enum class Kind { Host, PathPrefix, Header };
  Kind kind = Kind::Host;
  // Host: lower-cased host without port; "*.example.com" matches any
  // subdomain (not example.com itself). PathPrefix: compared byte-wise with
  // the request target's path. Header: the field value, compared exactly.
  std::string value;
  std::string header;  // Kind::Header: the field name
  std::string pool;
  SourceLocation where;
};

// `tls_cert = CERT_FILE [KEY_FILE]` (repeatable): the key is in CERT_FILE
// when KEY_FILE is absent. The first one is the default for clients without
// SNI or with a name no certificate has.
struct TlsCertConf {
  std::string cert_file;
  std::string key_file;
  SourceLocation where;
};

// Which forwarding fields an http frontend adds to requests.
enum class ForwardedMode { XForwarded, Forwarded, Both, None };
const char* to_string(ForwardedMode m);

// `[frontend:NAME]`
struct FrontendConf {
  std::string name;
  std::vector<base::SocketAddress> binds;  // `bind` is repeatable
  Mode mode = Mode::Tcp;
  std::string pool;         // the default pool
  int max_connections = 10000;
  int backlog = 4096;       // listen(2) backlog; excess connections wait here
  Millis timeout_client{30000};
  // auto: splice bulk transfers unless client and server are both on
  // loopback (where splice(2) is not zero-copy and copying is faster).
  SpliceMode splice = SpliceMode::Auto;
  // on: when one side ends its stream, the other side is told (shutdown
  // SHUT_WR) and may go on sending; the connection ends when both have.
  // off: the connection ends with the first side that ends (nginx's
  // proxy_half_close off): a few system calls fewer per connection.
  // mode = tcp, and the tunnels of mode = http (Upgrade).
  bool half_close = true;

  // --- mode = http (docs/config.md, "HTTP frontends"); refused on tcp ---
  std::vector<RouteConf> routes;
  size_t max_head_size = 16 * 1024;   // request head, bytes
  size_t max_header_line = 8 * 1024;  // one line of the head, bytes
  int max_headers = 100;              // field lines per head
  Millis timeout_request{10000};      // the whole request head must arrive within it (slowloris)
  Millis timeout_keepalive{5000};     // idle client connection between two requests
  size_t min_body_rate = 0;           // bytes/s a request body must average after 5 s; 0 = no minimum
  uint64_t max_body_size = 0;         // request body bytes (413 above); 0 = no limit
  ForwardedMode forwarded = ForwardedMode::XForwarded;
  std::string request_id_header = "X-Request-Id";  // passed through or generated; empty = none
  std::string access_log;             // a file path, "syslog", or empty = none

  // --- TLS termination (mode http) ---
  std::vector<TlsCertConf> tls_certs;  // empty = plain HTTP
  std::string tls_min_version = "1.2"; // "1.2" | "1.3"
  std::string tls_ciphers;             // TLS 1.2 cipher list; empty = OpenSSL's default
  std::string tls_ciphersuites;        // TLS 1.3 suites; empty = OpenSSL's default
  size_t tls_session_cache = 20000;    // server-side session cache entries; 0 = off
  bool tls_tickets = true;             // stateless resumption with session tickets

  // --- protections, per client address (both modes; requests: http) ---
  int limit_connections = 0;          // concurrent connections per source; 0 = none
  double limit_connection_rate = 0;   // new connections per second per source; 0 = none
  double limit_request_rate = 0;      // requests per second per source (429); 0 = none
  size_t limit_table_size = 100000;   // sources tracked (least recently seen out)

  SourceLocation where;

  bool tls() const { return !tls_certs.empty(); }
};

// `vip = ADDRESS[/PREFIX]` in a [vrrp] section (IPv4).
struct VipConf {
  uint32_t address = 0;  // host byte order
  int prefix_len = 32;
  std::string text;      // "10.0.0.100/24", for status output

  bool operator==(const VipConf&) const = default;
};

// `[vrrp]` or `[vrrp:NAME]`: one VRRPv3 virtual router (docs/config.md).
struct VrrpConf {
  std::string name;                  // "default" for [vrrp]
  std::string interface;
  int vrid = 0;                      // 1..255, required
  int priority = 100;                // 1..255; 255 = owner of the addresses
  Millis advert_interval{1000};      // 10ms..40.95s, whole centiseconds
  bool preempt = true;
  Millis preempt_delay{0};
  bool accept_mode = true;           // reported in the MIB; see docs/vrrp.md
  std::vector<VipConf> vips;         // required, repeatable
  std::vector<uint32_t> unicast_peers;  // host byte order; empty = multicast
  uint32_t source_address = 0;       // 0 = the interface's first IPv4 address
  int garp_count = 5;                // gratuitous ARPs per burst
  Millis garp_interval{20};          // between the ARPs of a burst
  Millis garp_delay{5000};           // a second burst this long after the first; 0 = none
  Millis garp_refresh{0};            // while master, a burst this often; 0 = never
  std::vector<std::string> track_pools;
  int track_penalty = 50;            // priority lost while a tracked pool has no server up
  std::string notify_master;         // hook commands (run by /bin/sh -c)
  std::string notify_backup;
  std::string notify_fault;
  std::string notify;                // run on every state change
  Millis failover_hold{60000};       // `tandemctl failover`: no preempting back for this long
  SourceLocation where;
};

// `[sync]`: the channel to the peer node (docs/sync.md, docs/config.md).
struct SyncConf {
  bool enabled = false;              // a [sync] section is present
  base::SocketAddress listen;        // this node's sync address, required
  base::SocketAddress peer;          // the peer's sync address, required
  std::string key_file;              // required; holds the pre-shared key
  std::string key;                   // the key read from key_file: >= 32 raw bytes
  std::string peer_node;             // the peer's [global] node; empty = any other name
  Millis heartbeat_interval{1000};   // a HEARTBEAT this often
  Millis peer_timeout{3000};         // nothing heard for this long: the link is reset
  Millis batch_delay{10};            // a change waits at most this long to be sent
  Millis failover_sync_timeout{2000};  // `tandemctl failover` waits this long for the peer's ACK
  SourceLocation where;
};

// `[global]`
struct GlobalConf {
  std::string node;      // default: the host name
  int workers = 0;       // 0 = "auto": one per CPU
  std::string status_socket = "/run/tandem/tandem.sock";
  std::string status_group;     // group allowed to read status; empty = the daemon's group
  std::string oid_base = "1.3.6.1.4.1.32473.7";
  Millis shutdown_timeout{30000};  // SIGTERM: how long established connections may drain
  base::LogLevel log_level = base::LogLevel::Info;
};

struct Config {
  std::string file;  // the path it was loaded from
  GlobalConf global;
  std::vector<FrontendConf> frontends;
  std::vector<PoolConf> pools;
  std::vector<VrrpConf> vrrp;  // VRRP instances, in file order
  SyncConf sync;

  const PoolConf* find_pool(std::string_view name) const;
  const FrontendConf* find_frontend(std::string_view name) const;
};

// One problem in a config file. to_string() gives the operator-facing form
// "FILE:LINE: [SECTION] KEY: MESSAGE" (section and key omitted when empty).
struct ConfigError {
  std::string file;
  int line = 0;
  std::string section;
  std::string key;
  std::string message;

  std::string to_string() const;
};

// Either a valid Config (errors empty) or every error found (config empty).
struct LoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;

  bool ok() const { return config.has_value(); }
};

// How the loader treats what it cannot check from the text alone.
struct LoadOptions {
  // true: host names in `bind` and `server` lines are resolved with
  // getaddrinfo (blocking). false: only literal addresses are accepted, so
  // loading never waits on DNS (fuzzing, tools that must not block).
  bool resolve_hosts = true;
};

// Reads, parses and validates the file at `path`. Never throws; all problems,
// including an unreadable file, come back as errors. Host names in addresses
// are resolved here (blocking). Thread-safe (no shared state).
LoadResult load_config_file(const std::string& path);

// Same, from text in memory; `name` stands for the file name in errors.
LoadResult load_config_string(std::string_view text, const std::string& name = "<config>");

// The same two with explicit options (the ones above use LoadOptions{}).
LoadResult load_config_file(const std::string& path, const LoadOptions& options);
LoadResult load_config_string(std::string_view text, const std::string& name, const LoadOptions& options);

}  // namespace tandem::conf
