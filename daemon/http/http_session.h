#pragma once
// One client connection in `mode = http` (docs/http.md): reads request heads,
// routes each to a pool and a server, forwards it with its body, and relays
// the response back, request after request on the same client connection,
// over server connections taken from and given back to the worker's
// keep-alive pool.
//
// Both directions are a Flow: bytes read from one side wait in `in`; a head
// Tandem wrote (or its own answer) waits in `out`; `pass` says how many
// bytes at the front of `in` are body bytes whose framing has been checked,
// to be written after `out`. Body bytes are never copied between buffers.
// After each event, step() advances parsing and framing, writes what it can,
// and derives what to watch from the buffers (backpressure for free).
//
// Lifetime and threading: as every proxy::Session.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/byte_buffer.h"
#include "base/ev_watch.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "daemon/proxy/session.h"
#include "daemon/proxy/stream.h"
#include "daemon/runtime/runtime_snapshot.h"
#include "http/chunked_decoder.h"
#include "http/request_parser.h"
#include "http/response_parser.h"

namespace tandem::proxy {
class Worker;
}
namespace tandem::tables {
class ConnectionEntry;
class SourceLimits;
}
namespace tandem::tls {
class FrontendTls;
}

namespace tandem::http_proxy {

class HttpSession final : public proxy::Session {
 public:
  HttpSession(proxy::Worker& worker, base::UniqueFd client, const base::SocketAddress& peer,
              std::shared_ptr<const runtime::RuntimeSnapshot> snapshot, uint32_t frontend_index,
              uint16_t local_port);
  ~HttpSession() override;
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start() override;
  void abort() override;
  void close_when_idle() override;
  uint32_t frontend_index() const override { return frontend_; }
  void flush() override;

 private:
  struct Flow {
    explicit Flow(const http::Limits& limits) : chunked(limits) {}
    base::ByteBuffer in;   // read from the source, not yet forwarded
    base::ByteBuffer out;  // written by Tandem, sent before `pass` bytes of `in`
    size_t pass = 0;       // checked body bytes at the front of `in`
    http::BodyKind body = http::BodyKind::None;
    uint64_t remaining = 0;  // BodyKind::Length
    http::ChunkedDecoder chunked;
    bool body_done = true;   // the current message's body has been framed whole
    bool eof = false;        // the source ended
    bool pending() const { return !out.empty() || pass > 0; }
    void start_body(const http::MessageHead& head);
  };

  enum class Phase {
    Head,        // waiting for (the rest of) a request head
    Connecting,  // a server connection is being opened
    Exchange,    // request and response under way
    Tunnel,      // after 101 Switching Protocols: a plain relay
    Closing,     // flushing the last bytes to the client, then lingering
  };

  // Events.
  void on_client_io(int revents);
  void on_server_io(int revents);
  void on_timer(int);

  // The engine.
  // Ends every entry point: destroys the session if it finished, otherwise
  // derives the watchers and the timer from the state.
  void settle();
  void step();
  bool step_once();  // one pass; true if anything moved
  bool step_exchange();
  bool step_tunnel();
  bool step_closing();
  bool read_from(proxy::Stream& from, Flow& flow, size_t limit);
  bool write_to(proxy::Stream& to, Flow& flow, bool* failed);
  // How many bytes of the client's may wait in up_.in before Tandem stops
  // reading (the head limit while a head is awaited, else backpressure).
  size_t client_read_limit() const;
  // TLS: counts the handshake once it completed, or failed (finish()).
  void note_handshake();
  void note_handshake_failure();
  bool frame_body(Flow& flow, bool request);
  void update_watchers();
  void arm_timer();
  double deadline() const;
  bool body_too_slow(double now) const;

  // A request's way (http_exchange.cc).
  bool parse_request();
  void begin_exchange();
  void refresh_snapshot();
  void connect_server();
  void on_connected();
  void on_connect_failed(int error, const char* what);
  void connect_failed(const std::string& reason);
  void server_lost(const char* why);
  bool parse_response();
  void end_exchange();
  void release_server(bool reusable);
  bool try_retry(bool count_retry);
  void answer(int status, bool close);
  // Refuses a request whose head is bad or late: answers and closes.
  void refuse(int status);
  // Marks the session finished; settle() destroys it.
  void finish();
  void count_response(int status, bool own);
  void reset_exchange();
  // One access log line for the exchange under way (once; no-op without a log).
  void log_exchange();

  const runtime::FrontendRuntime& frontend() const { return snapshot_->frontends[frontend_]; }
  const runtime::PoolRuntime& pool() const { return snapshot_->pools[pool_]; }
  const conf::FrontendConf& fe_conf() const { return *frontend().conf; }
  // The client's address without the port (X-Forwarded-For, Forwarded).
  std::string_view client_ip() const;

  proxy::Worker& worker_;
  std::shared_ptr<const runtime::RuntimeSnapshot> snapshot_;
  const uint32_t frontend_;
  base::SocketAddress peer_;
  std::string peer_text_;   // "ip:port", for logs
  std::string local_port_;  // the port the client connected to, for X-Forwarded-Port
  proxy::Stream client_;
  // The TLS the client's connection started with (its SNI callback and
  // ticket keys must outlive the handshake, whatever reloads do).
  std::shared_ptr<const tls::FrontendTls> tls_;
  bool handshake_noted_ = false;
  tables::ConnectionEntry* entry_ = nullptr;
  // The limits table that admitted this connection (a reload may bring another).
  std::shared_ptr<tables::SourceLimits> admitted_by_;
  http::Limits limits_;

  Phase phase_ = Phase::Head;
  Flow up_;    // client -> server
  Flow down_;  // server -> client
  http::RequestParser request_parser_;
  http::ResponseParser response_parser_;

  // The request under way.
  uint32_t pool_ = 0;
  std::string method_;
  bool request_keep_alive_ = true;
  bool request_has_body_ = false;
  bool idempotent_ = false;
  std::string request_id_;
  std::string set_cookie_;      // sticky = cookie: added to the response
  std::string sent_head_;       // the forwarded head, kept for a replay
  bool body_sent_any_ = false;
  bool response_started_ = false;  // a byte of the response arrived
  bool response_head_done_ = false;
  int status_ = 0;
  bool close_after_ = false;    // close the client connection after this response
  bool close_requested_ = false;  // hand-over / drain: no further requests
  bool input_dropped_ = false;    // an answer left the client's request unread: linger before closing
  bool server_keep_alive_ = false;  // the server connection may be reused after this response
  std::string hash_input_;      // balance = hash: the request's key
  int sticky_server_ = -1;      // the server the request's cookie names
  int cookie_server_ = -1;      // sticky = cookie: the server Tandem's cookie named
  bool finished_ = false;
  bool flushing_ = false;  // in flush(): writes go out now, not at the end of the iteration

  // For the access log, per exchange.
  bool exchange_open_ = false;  // begun and not yet logged
  std::string target_;
  int minor_ = 1;
  uint64_t request_bytes_ = 0;   // from the client: head and body
  uint64_t response_bytes_ = 0;  // to the client
  double t_begin_ = 0;           // head complete
  double t_connect_ = 0;         // connect started (0: none)
  double t_connected_ = 0;
  double t_response_ = 0;        // response head parsed
  uint64_t body_bytes_ = 0;      // request body bytes (min_body_rate)
  double next_rate_check_ = 0;
  bool client_shut_ = false;    // Tunnel/Closing: SHUT_WR sent to the client
  bool server_shut_ = false;    // Tunnel: SHUT_WR sent to the server

  // The server connection.
  std::shared_ptr<runtime::ServerState> server_;
  int server_index_ = -1;
  proxy::Stream server_conn_;
  bool server_reused_ = false;
  bool server_counted_ = false;
  std::vector<uint32_t> tried_;
  int retries_left_ = 0;
  bool replayed_ = false;

  // Times (ev_now) for the deadlines.
  double head_started_ = 0;  // first byte of the current request head
  double idle_since_ = 0;    // the last response was finished
  double phase_started_ = 0;
  double last_client_ = 0;
  double last_server_ = 0;
  double timer_at_ = 0;      // when the armed timer fires (0 = not armed)
  bool first_request_ = true;

  std::string scratch_;
  base::IoWatcher client_io_;
  base::IoWatcher server_io_;
  base::TimerWatcher timer_;
};

}  // namespace tandem::http_proxy
