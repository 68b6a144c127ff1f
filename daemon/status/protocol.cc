#include "daemon/status/protocol.h"

namespace tandem::status {

const char* to_string(StatusCode code) {
  switch (code) {
    case StatusCode::Ok: return "OK";
    case StatusCode::BadRequest: return "bad request";
    case StatusCode::Forbidden: return "permission denied";
    case StatusCode::NotFound: return "not found";
    case StatusCode::Conflict: return "conflict";
    case StatusCode::Failed: return "failed";
  }
  return "failed";
}

namespace {

// One line, no control characters (a message shows up in logs and on
// terminals), never empty.
std::string clean_message(const Response& response) {
  std::string out;
  out.reserve(response.message.size());
  for (char c : response.message) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) out = to_string(response.code);
  return out;
}

void append_body(std::string_view body, std::string& out) {
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      out += ' ';  // an empty line would end the response early
    } else {
      const size_t at = out.size();
      out.append(line);
      for (size_t i = at; i < out.size(); ++i) {
        if (out[i] == '\0' || out[i] == '\r') out[i] = ' ';
      }
    }
    out += '\n';
  }
}

}  // namespace

void encode_response(const Response& response, std::string& out) {
  if (response.code == StatusCode::Ok) {
    out += "OK\n";
  } else {
    out += "ERR ";
    out += std::to_string(static_cast<int>(response.code));
    out += ' ';
    out += clean_message(response);
    out += '\n';
  }
  append_body(response.body, out);
  out += '\n';
}

Responder::Responder(Responder&& other) noexcept
    : sink_(std::move(other.sink_)), alive_(std::move(other.alive_)) {
  other.sink_ = nullptr;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_) reply(Response::error(StatusCode::Failed, "internal error: the command gave no answer"));
    sink_ = std::move(other.sink_);
    alive_ = std::move(other.alive_);
    other.sink_ = nullptr;
  }
  return *this;
}

Responder::~Responder() {
  if (sink_) reply(Response::error(StatusCode::Failed, "internal error: the command gave no answer"));
}

void Responder::reply(Response response) {
  if (!sink_) return;
  Sink sink = std::move(sink_);
  sink_ = nullptr;
  sink(std::move(response));
}

}  // namespace tandem::status
