#pragma once
// Writes the heads Tandem sends: a client's request as forwarded to a
// server, a server's response as forwarded to a client, and Tandem's own
// short answers (docs/http.md "Forwarding", "Response", "Tandem's own
// answers"). Bodies are not touched here: they stream through unchanged.
//
// Threading: pure functions; any thread.

#include <string>
#include <string_view>

#include "base/byte_buffer.h"
#include "conf/config.h"
#include "http/message_head.h"

namespace tandem::http_proxy {

struct RequestForwarding {
  conf::ForwardedMode forwarded = conf::ForwardedMode::XForwarded;
  std::string_view client_ip;        // textual, without port
  bool client_ip_v6 = false;         // quoted in Forwarded: for="[v6]"
  std::string_view proto = "http";   // "http" | "https"
  std::string_view frontend_port;    // textual
  std::string_view request_id_header;  // empty = none
  std::string_view request_id;       // the id to send when the client sent none
  std::string_view strip_cookie;     // sticky = cookie: Tandem's cookie name, removed
  bool upgrade = false;              // pass Upgrade on (with Connection: upgrade)
};

// The request head for the server: "METHOD TARGET HTTP/1.x" (the client's
// version; 1.0 with "Connection: keep-alive"), the client's
// fields minus hop-by-hop ones (and Tandem's cookie), the forwarding fields,
// the request id. `scratch` is reused storage.
void write_request_head(const http::MessageHead& request, const RequestForwarding& f, base::ByteBuffer* out,
                        std::string* scratch);

struct ResponseForwarding {
  bool close = false;                 // Tandem closes the client connection after it
  bool http10_keep_alive = false;     // an HTTP/1.0 client kept alive: say so
  bool upgrade = false;               // 101: pass Upgrade on
  std::string_view request_id_header;
  std::string_view request_id;
  std::string_view set_cookie;        // a Set-Cookie value to add (sticky = cookie); empty = none
};

void write_response_head(const http::MessageHead& response, const ResponseForwarding& f, base::ByteBuffer* out);

// Tandem's own answer: status line, Content-Type text/plain, Content-Length,
// the request id, Connection: close when `close`, body "<status> <reason>\n".
void write_own_response(int status, bool close, std::string_view request_id_header, std::string_view request_id,
                        base::ByteBuffer* out);

// The standard reason phrase of `status` ("Bad Gateway"), or "Unknown".
std::string_view reason_phrase(int status);

// Whether a request id a client sent may be passed on: 1..128 visible ASCII.
bool valid_request_id(std::string_view id);

}  // namespace tandem::http_proxy
