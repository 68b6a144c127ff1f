// HttpSession, one request's way: parse the head, route, choose a server,
// connect (or reuse), forward, read the response head, finish or retry.
// The byte engine is in http_session.cc.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/http/access_log.h"
#include "daemon/http/cookies.h"
#include "daemon/http/head_writer.h"
#include "daemon/http/http_session.h"
#include "daemon/http/router.h"
#include "daemon/http/server_conn_pool.h"
#include "daemon/tls/pool_tls.h"
#include "daemon/proxy/server_connect.h"
#include "daemon/proxy/worker.h"
#include "daemon/tables/connection_table.h"
#include "daemon/tables/source_limits.h"
#include "daemon/tables/sticky_table.h"

namespace tandem::http_proxy {
namespace {

// A server whose TLS handshake fails (a wrong CA, name or protocol) fails
// every request sent to it: logged at most 5 lines per 10 s.
base::RateLimitedLog g_server_tls(5, std::chrono::seconds(10));
base::RateLimitedLog g_bad_requests(5, std::chrono::seconds(10));
base::RateLimitedLog g_bad_responses(5, std::chrono::seconds(10));

bool is_idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

// balance = hash: what the request contributes (hash_key, docs/config.md).
std::string_view hash_input_of(const conf::PoolConf& pool, const http::MessageHead& req) {
  if (pool.balance != conf::Balance::Hash || pool.hash_key.empty()) return {};
  if (pool.hash_key == "uri") return req.target;
  if (pool.hash_key.starts_with("header ")) {
    const http::Header* h = req.find(std::string_view(pool.hash_key).substr(7));
    return h != nullptr ? h->value : std::string_view();
  }
  if (pool.hash_key.starts_with("cookie ")) return find_cookie(req, std::string_view(pool.hash_key).substr(7));
  return {};
}

}  // namespace

bool HttpSession::parse_request() {
  if (head_started_ == 0) head_started_ = ev_now(worker_.loop());
  switch (request_parser_.feed(up_.in.view())) {
    case http::ParseStatus::NeedMore:
      return false;
    case http::ParseStatus::Error: {
      http::ParseError e = request_parser_.error();
      g_bad_requests.log(base::LogLevel::Info, "%s: refused a request from %s: %s", fe_conf().name.c_str(),
                         peer_.to_string().c_str(), http::to_string(e));
      runtime::bump(frontend().state->traffic().slot(worker_.id()).requests);
      refuse(http::status_for(e));
      return true;
    }
    case http::ParseStatus::Done:
      begin_exchange();
      return true;
  }
  return false;
}

void HttpSession::refuse(int status) {
  reset_exchange();
  request_id_.clear();
  if (!fe_conf().request_id_header.empty()) worker_.new_request_id(&request_id_);
  answer(status, true);
}

void HttpSession::log_exchange() {
  if (!exchange_open_) return;
  exchange_open_ = false;
  if (!frontend().access_log) return;
  auto ms = [](double from, double to) { return from > 0 && to >= from ? (to - from) * 1000 : -1.0; };
  double now = ev_now(worker_.loop());
  AccessRecord r;
  double started = head_started_ > 0 ? head_started_ : t_begin_;
  r.time = base::WallTime(std::chrono::duration_cast<base::WallTime::duration>(std::chrono::duration<double>(started)));
  r.client = peer_text_;
  r.frontend = fe_conf().name;
  r.pool = method_.empty() ? std::string_view() : std::string_view(pool().conf->name);
  r.server = server_ ? std::string_view(server_->name()) : std::string_view();
  r.method = method_;
  r.target = target_;
  r.http_minor = minor_;
  r.status = status_;
  r.bytes_in = request_bytes_;
  r.bytes_out = response_bytes_;
  r.queue_ms = ms(t_begin_, t_connect_ > 0 ? t_connect_ : t_connected_);
  r.connect_ms = ms(t_connect_, t_connected_);
  r.response_ms = ms(t_begin_, t_response_);
  r.total_ms = ms(started, now);
  r.request_id = request_id_;
  frontend().access_log->log(r);
}

void HttpSession::reset_exchange() {
  log_exchange();
  exchange_open_ = true;
  method_.clear();
  target_.clear();
  minor_ = 1;
  request_bytes_ = response_bytes_ = 0;
  t_begin_ = ev_now(worker_.loop());
  t_connect_ = t_connected_ = t_response_ = 0;
  body_bytes_ = 0;
  next_rate_check_ = t_begin_ + 5.0;  // kBodyRateGrace
  server_.reset();
  server_index_ = -1;
  set_cookie_.clear();
  hash_input_.clear();
  sticky_server_ = cookie_server_ = -1;
  body_sent_any_ = false;
  response_started_ = response_head_done_ = false;
  server_keep_alive_ = false;
  status_ = 0;
  tried_.clear();
  replayed_ = false;
  retries_left_ = 0;
  response_parser_.reset();
  down_.start_body(http::MessageHead{});
}

// A keep-alive connection outlives snapshots (health changes, operator
// decisions, reloads): each request is served with the worker's newest one,
// as long as it still has this frontend at the same place.
void HttpSession::refresh_snapshot() {
  const auto& current = worker_.snapshot();
  if (!current || current == snapshot_ || frontend_ >= current->frontends.size()) return;
  if (current->frontends[frontend_].conf->name != fe_conf().name) return;
  snapshot_ = current;
}

void HttpSession::begin_exchange() {
  refresh_snapshot();
  const http::MessageHead& req = request_parser_.head();
  runtime::TrafficSlot& fe = frontend().state->traffic().slot(worker_.id());
  runtime::bump(fe.requests);
  reset_exchange();
  phase_ = Phase::Exchange;
  method_.assign(req.method);
  target_.assign(req.target.substr(0, kMaxLoggedTarget));
  minor_ = req.version_minor;
  request_bytes_ = req.head_size;
  request_keep_alive_ = req.keep_alive;
  idempotent_ = is_idempotent(req.method);
  request_has_body_ = req.body != http::BodyKind::None;

  const conf::FrontendConf& conf = fe_conf();
  request_id_.clear();
  if (!conf.request_id_header.empty()) {
    const http::Header* id = req.find(conf.request_id_header);
    if (id != nullptr && valid_request_id(id->value)) request_id_.assign(id->value);
    else worker_.new_request_id(&request_id_);
  }
  if (frontend().limits && !frontend().limits->admit_request(peer_.address_bytes())) return answer(429, true);
  if (req.method == "CONNECT") return answer(501, true);
  if (conf.max_body_size > 0 && req.body == http::BodyKind::Length && req.content_length > conf.max_body_size)
    return answer(413, true);

  pool_ = frontend().router ? frontend().router->route(req) : frontend().pool;
  const runtime::PoolRuntime& p = pool();
  hash_input_.assign(hash_input_of(*p.conf, req));
  if (p.conf->sticky == conf::StickyKind::Cookie) {
    std::string_view id = find_cookie(req, p.conf->sticky_cookie);
    char each[16];
    for (size_t i = 0; id.size() == 16 && i < p.servers.size(); ++i) {
      server_cookie_id(p.conf->name, p.servers[i]->name(), each);
      if (id == std::string_view(each, 16)) cookie_server_ = sticky_server_ = static_cast<int>(i);
    }
  } else if (p.conf->sticky == conf::StickyKind::Learn && p.sticky) {
    std::string_view value = find_cookie(req, p.conf->sticky_cookie);
    if (!value.empty() && p.sticky->lookup_into(value, &scratch_)) {
      for (size_t i = 0; i < p.servers.size(); ++i)
        if (p.servers[i]->name() == scratch_) sticky_server_ = static_cast<int>(i);
    }
  }

  RequestForwarding f;
  f.forwarded = conf.forwarded;
  f.client_ip = client_ip();
  f.client_ip_v6 = !peer_.is_ipv4();
  f.proto = conf.tls() ? "https" : "http";
  f.frontend_port = local_port_;
  f.request_id_header = conf.request_id_header;
  f.request_id = request_id_;
  if (p.conf->sticky == conf::StickyKind::Cookie) f.strip_cookie = p.conf->sticky_cookie;
  f.upgrade = req.connection_upgrade && !req.upgrade.empty();
  up_.out.clear();
  write_request_head(req, f, &up_.out, &scratch_);
  sent_head_.assign(up_.out.view());
  up_.start_body(req);
  up_.in.consume(req.head_size);  // `req` points into up_.in: not used below
  request_parser_.reset();
  retries_left_ = p.conf->retries;
  connect_server();
}

void HttpSession::connect_server() {
  int index = worker_.picker().pick(*snapshot_, pool_, peer_, tried_,
                                    proxy::RequestKey{hash_input_, sticky_server_});
  if (index < 0) {
    runtime::bump(frontend().state->traffic().slot(worker_.id()).no_server);
    return answer(tried_.empty() ? 503 : 502, !up_.body_done);
  }
  server_ = pool().servers[static_cast<size_t>(index)];
  server_index_ = index;
  tried_.push_back(static_cast<uint32_t>(index));
  set_cookie_.clear();
  if (pool().conf->sticky == conf::StickyKind::Cookie && index != cookie_server_) {
    char id[16];
    server_cookie_id(pool().conf->name, server_->name(), id);
    set_cookie_.assign(pool().conf->sticky_cookie).append("=").append(id, 16).append("; Path=/; HttpOnly");
  }
  up_.out.clear();
  up_.out.append(sent_head_);
  if (!replayed_) {
    server_conn_ = worker_.server_conns().take(*server_);
    if (server_conn_) {
      server_reused_ = true;
      // Watched from here on as the pool watched it (readable): the fd
      // keeps its registration with the kernel (IoWatcher::set_handed_over).
      server_io_.set_handed_over(server_conn_.fd(), EV_READ);
      on_connected();
      return;
    }
  }
  server_reused_ = false;
  t_connect_ = ev_now(worker_.loop());
  proxy::ConnectStart c = proxy::start_connect(server_->address());
  server_conn_ = proxy::Stream(std::move(c.fd));
  if (!server_conn_) return on_connect_failed(c.error, c.what);
  if (pool().conf->servers[static_cast<size_t>(index)].tls) {
    // The handshake starts with the first write of the request.
    SSL* ssl = pool().tls ? pool().tls->new_ssl(server_->name()) : nullptr;
    if (ssl == nullptr) return connect_failed("TLS: cannot create a session (out of memory)");
    server_conn_.use_tls(ssl);
  }
  if (c.connected) return on_connected();
  phase_ = Phase::Connecting;
  phase_started_ = ev_now(worker_.loop());
}

void HttpSession::on_connected() {
  phase_ = Phase::Exchange;
  t_connected_ = ev_now(worker_.loop());
  runtime::TrafficSlot& slot = server_->traffic().slot(worker_.id());
  if (!server_counted_) {
    runtime::bump(slot.active, 1);
    server_counted_ = true;
  }
  runtime::bump(slot.requests);
  if (!server_reused_) {
    runtime::bump(slot.total);
    worker_.report_connect(server_, true, nullptr);
  }
  if (entry_ != nullptr) worker_.connections().set_server(entry_, server_->name());
  last_server_ = ev_now(worker_.loop());
}

void HttpSession::on_connect_failed(int error, const char* what) {
  connect_failed(proxy::connect_failure_reason(error, what, pool().conf->timeout_connect));
}

// No connection to the server (TCP, or its TLS handshake): nothing reached
// it, so any request may go to another server.
void HttpSession::connect_failed(const std::string& reason) {
  runtime::bump(server_->traffic().slot(worker_.id()).connect_failures);
  worker_.report_connect(server_, false, reason.c_str());
  release_server(false);
  phase_ = Phase::Exchange;
  if (retries_left_-- > 0) return connect_server();  // nothing was sent: any method may go elsewhere
  runtime::bump(frontend().state->traffic().slot(worker_.id()).no_server);
  answer(502, !up_.body_done);
}

// The server connection broke before the response was complete.
void HttpSession::server_lost(const char* why) {
  if (server_conn_.tls() && !server_conn_.handshake_done()) {
    std::string reason = "TLS handshake: " + (server_conn_.tls_error().empty() ? std::string(why) : server_conn_.tls_error());
    g_server_tls.log(base::LogLevel::Warning, "pool %s: server %s: %s", pool().conf->name.c_str(),
                       server_->name().c_str(), reason.c_str());
    return connect_failed(reason);
  }
  bool reused = server_reused_;
  TLOG_DEBUG("%s: %s: server %s: %s%s", fe_conf().name.c_str(), peer_.to_string().c_str(), server_->name().c_str(), why,
             reused ? " (a reused connection)" : "");
  release_server(false);
  if (!response_started_ && !body_sent_any_) {
    // A reused connection the server had closed (the race every keep-alive
    // pool has): the request cannot have been processed; send it again on
    // a new connection to the same server, once.
    if (reused && !replayed_) {
      replayed_ = true;
      tried_.pop_back();
      sticky_server_ = server_index_;
      return connect_server();
    }
    if (idempotent_ && !request_has_body_ && retries_left_-- > 0) return connect_server();
  }
  if (response_head_done_) return finish();  // part of the response is with the client already
  runtime::bump(server_->traffic().slot(worker_.id()).connect_failures);
  answer(502, !up_.body_done);
}

bool HttpSession::parse_response() {
  if (down_.in.empty()) return false;
  response_started_ = true;
  switch (response_parser_.feed(down_.in.view(), method_)) {
    case http::ParseStatus::NeedMore:
      return false;
    case http::ParseStatus::Error:
      g_bad_responses.log(base::LogLevel::Warning, "%s: server %s/%s sent a bad response: %s", fe_conf().name.c_str(),
                          pool().conf->name.c_str(), server_->name().c_str(),
                          http::to_string(response_parser_.error()));
      release_server(false);
      answer(502, !up_.body_done);
      return true;
    case http::ParseStatus::Done:
      break;
  }
  const http::MessageHead& head = response_parser_.head();
  status_ = head.status;
  if (t_response_ == 0) t_response_ = ev_now(worker_.loop());
  const conf::FrontendConf& conf = fe_conf();
  ResponseForwarding f;
  f.request_id_header = conf.request_id_header;
  f.request_id = request_id_;
  if (head.status >= 100 && head.status < 200 && head.status != 101) {
    write_response_head(head, f, &down_.out);  // interim (100 Continue): the final one follows
    down_.in.consume(head.head_size);
    response_parser_.reset();
    return true;
  }
  bool upgrade = head.status == 101;
  if (pool().conf->sticky == conf::StickyKind::Learn && pool().sticky) {
    for (const http::Header& h : head.headers) {
      if (!http::iequals(h.name, "set-cookie")) continue;
      std::string_view value = set_cookie_value(h.value, pool().conf->sticky_cookie);
      if (!value.empty()) pool().sticky->store(value, server_->name());
    }
  }
  close_after_ = close_after_ || close_requested_ || !request_keep_alive_ || up_.eof ||
                 head.body == http::BodyKind::UntilClose || conf.timeout_keepalive.count() == 0;
  f.close = close_after_ && !upgrade;
  f.http10_keep_alive = minor_ == 0 && request_keep_alive_ && !close_after_;
  f.upgrade = upgrade;
  f.set_cookie = set_cookie_;
  write_response_head(head, f, &down_.out);
  server_keep_alive_ = head.keep_alive && head.body != http::BodyKind::UntilClose && !upgrade;
  down_.start_body(head);
  down_.in.consume(head.head_size);
  response_head_done_ = true;
  count_response(status_, false);
  if (upgrade) {
    log_exchange();  // the tunnel that follows is not a request
    phase_ = Phase::Tunnel;
    up_.body = down_.body = http::BodyKind::UntilClose;
    up_.body_done = down_.body_done = false;
  }
  return true;
}

void HttpSession::end_exchange() {
  log_exchange();
  release_server(server_keep_alive_ && up_.body_done && !up_.pending() && down_.in.empty());
  double now = ev_now(worker_.loop());
  idle_since_ = now;
  first_request_ = false;
  if (close_after_ || close_requested_) {
    if (!request_keep_alive_ && !input_dropped_ && up_.in.empty()) {
      // The client asked for the close and its request was read whole:
      // nothing more will come, so the connection is closed now (as nginx
      // does), without half-closing and waiting for the client's FIN — two
      // system calls and a wake-up fewer per connection. The answer is in
      // the kernel's send buffer, which close(2) still delivers.
      client_.send_close_notify();
      finish();
      return;
    }
    // Otherwise Tandem ends a connection the client may still send on:
    // step_closing() lingers, so late bytes cannot reset the answer.
    phase_ = Phase::Closing;
    phase_started_ = now;
    return;
  }
  phase_ = Phase::Head;
  head_started_ = up_.in.empty() ? 0 : now;
}

void HttpSession::release_server(bool reusable) {
  server_io_.stop();
  if (server_counted_) {
    runtime::bump(server_->traffic().slot(worker_.id()).active, -1);
    server_counted_ = false;
  }
  if (server_conn_ && reusable) {
    const conf::PoolConf& pc = *pool().conf;
    worker_.server_conns().put(server_, std::move(server_conn_), base::to_seconds(pc.server_keepalive_idle),
                               pc.server_keepalive_max);
  }
  server_conn_.reset();
  down_.in.clear();
  down_.pass = 0;
  down_.eof = false;
  response_parser_.reset();
}

// Tandem's own answer ends the request: what is left of its body is dropped
// (and the connection closed) unless it was read whole.
void HttpSession::answer(int status, bool close) {
  phase_ = Phase::Exchange;
  status_ = status;
  close_after_ = close_after_ || close;
  if (close) {
    input_dropped_ = true;
    up_.in.clear();
    up_.pass = 0;
    up_.body_done = true;
  }
  up_.out.clear();
  write_own_response(status, close_after_, fe_conf().request_id_header, request_id_, &down_.out);
  response_started_ = response_head_done_ = true;
  down_.body = http::BodyKind::None;
  down_.body_done = true;
  count_response(status, true);
}

void HttpSession::count_response(int status, bool own) {
  int cls = status / 100 - 1;
  if (cls < 0 || cls > 4) return;
  runtime::TrafficSlot& fe = frontend().state->traffic().slot(worker_.id());
  runtime::bump(fe.responses[cls]);
  if (own) runtime::bump(fe.own_responses);
  else if (server_) runtime::bump(server_->traffic().slot(worker_.id()).responses[cls]);
}

}  // namespace tandem::http_proxy
