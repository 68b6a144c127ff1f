#include "daemon/http/head_writer.h"

#include "daemon/http/cookies.h"

#include <charconv>

namespace tandem::http_proxy {
namespace {

void field(base::ByteBuffer* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

bool is_client_forwarding_field(std::string_view name) {
  // Replaced by Tandem's own values: a client must not choose them.
  return http::iequals(name, "x-forwarded-proto") || http::iequals(name, "x-forwarded-port");
}

void write_forwarded(const http::MessageHead& request, const RequestForwarding& f, base::ByteBuffer* out) {
  out->append("Forwarded: for=");
  if (f.client_ip_v6) {
    out->append("\"[");
    out->append(f.client_ip);
    out->append("]\"");
  } else {
    out->append(f.client_ip);
  }
  out->append(";proto=");
  out->append(f.proto);
  // host is a token or quoted-string: quote it unless it is plainly safe.
  if (!request.host.empty()) {
    out->append(";host=\"");
    for (char c : request.host)
      if (c != '"' && c != '\\') out->append(std::string_view(&c, 1));
    out->append("\"");
  }
  out->append("\r\n");
}

}  // namespace

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

void write_request_head(const http::MessageHead& request, const RequestForwarding& f, base::ByteBuffer* out,
                        std::string* scratch) {
  out->append(request.method);
  out->append(" ");
  out->append(request.target);
  // An HTTP/1.0 request goes on as 1.0, so the server answers in a form the
  // client can read (no chunked body); keep-alive is asked for explicitly
  // so the server connection can still be reused.
  out->append(request.version_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  bool xff = f.forwarded == conf::ForwardedMode::XForwarded || f.forwarded == conf::ForwardedMode::Both;
  bool rfc = f.forwarded == conf::ForwardedMode::Forwarded || f.forwarded == conf::ForwardedMode::Both;
  bool xff_written = false;
  bool has_request_id = false;
  for (const http::Header& h : request.headers) {
    if (request.is_hop_by_hop(h.name) && !(f.upgrade && http::iequals(h.name, "upgrade"))) continue;
    if (xff && is_client_forwarding_field(h.name)) continue;
    if (xff && http::iequals(h.name, "x-forwarded-for")) {
      if (xff_written) continue;
      // One field: every value the client sent, then the client's address.
      out->append("X-Forwarded-For: ");
      bool first = true;
      for (const http::Header& x : request.headers) {
        if (!http::iequals(x.name, "x-forwarded-for") || x.value.empty()) continue;
        if (!first) out->append(", ");
        out->append(x.value);
        first = false;
      }
      if (!first) out->append(", ");
      out->append(f.client_ip);
      out->append("\r\n");
      xff_written = true;
      continue;
    }
    if (!f.strip_cookie.empty() && http::iequals(h.name, "cookie")) {
      strip_cookie(h.value, f.strip_cookie, scratch);
      if (!scratch->empty()) field(out, h.name, *scratch);
      continue;
    }
    if (!f.request_id_header.empty() && http::iequals(h.name, f.request_id_header)) {
      if (has_request_id || !valid_request_id(h.value)) continue;
      has_request_id = true;
    }
    field(out, h.name, h.value);
  }
  if (xff) {
    if (!xff_written) field(out, "X-Forwarded-For", f.client_ip);
    field(out, "X-Forwarded-Proto", f.proto);
    field(out, "X-Forwarded-Port", f.frontend_port);
  }
  if (rfc) write_forwarded(request, f, out);
  if (!f.request_id_header.empty() && !has_request_id) field(out, f.request_id_header, f.request_id);
  if (f.upgrade) out->append("Connection: upgrade\r\n");
  else if (request.version_minor == 0) out->append("Connection: keep-alive\r\n");
  out->append("\r\n");
}

void write_response_head(const http::MessageHead& response, const ResponseForwarding& f, base::ByteBuffer* out) {
  char code[4];
  std::to_chars(code, code + 3, response.status);
  out->append("HTTP/1.1 ");
  out->append(std::string_view(code, 3));
  out->append(" ");
  out->append(response.reason);
  out->append("\r\n");
  bool has_request_id = false;
  for (const http::Header& h : response.headers) {
    if (response.is_hop_by_hop(h.name) && !(f.upgrade && http::iequals(h.name, "upgrade"))) continue;
    if (!f.request_id_header.empty() && http::iequals(h.name, f.request_id_header)) has_request_id = true;
    field(out, h.name, h.value);
  }
  if (!f.request_id_header.empty() && !has_request_id && !f.request_id.empty())
    field(out, f.request_id_header, f.request_id);
  if (!f.set_cookie.empty()) field(out, "Set-Cookie", f.set_cookie);
  if (f.upgrade) out->append("Connection: upgrade\r\n");
  else if (f.close) out->append("Connection: close\r\n");
  else if (f.http10_keep_alive) out->append("Connection: keep-alive\r\n");
  out->append("\r\n");
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void write_own_response(int status, bool close, std::string_view request_id_header, std::string_view request_id,
                        base::ByteBuffer* out) {
  char code[4];
  std::to_chars(code, code + 3, status);
  std::string_view reason = reason_phrase(status);
  char length[8];
  auto end = std::to_chars(length, length + sizeof length, 3 + 1 + reason.size() + 1).ptr;
  out->append("HTTP/1.1 ");
  out->append(std::string_view(code, 3));
  out->append(" ");
  out->append(reason);
  out->append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  out->append(std::string_view(length, static_cast<size_t>(end - length)));
  out->append("\r\n");
  if (!request_id_header.empty() && !request_id.empty()) field(out, request_id_header, request_id);
  if (close) out->append("Connection: close\r\n");
  out->append("\r\n");
  out->append(std::string_view(code, 3));
  out->append(" ");
  out->append(reason);
  out->append("\n");
}

}  // namespace tandem::http_proxy
