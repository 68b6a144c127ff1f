#pragma once
// The client side of the status socket protocol (protocol.h), for tandemctl,
// tests and tools: parse a response, or run one request over a fresh
// connection with a deadline.
//
// Threading: no shared state; the calls block the calling thread (never use
// them on the daemon's loop).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::status {

// One response as it came over the wire.
struct ParsedResponse {
  int code = 200;        // 200 for "OK", else the ERR code
  std::string message;   // ERR only
  std::vector<std::string> body;
  bool ok() const { return code == 200; }
};

// Looks for one complete response at the start of `buffer`. Returns the
// number of bytes it used (the response ends with an empty line), or
// nullopt while it is incomplete. A complete but malformed status line
// gives code 0 and the line as the message.
std::optional<size_t> parse_response(std::string_view buffer, ParsedResponse& out);

// Why a request got no response.
enum class ClientFailure {
  None,
  NoSocket,          // the path does not exist (or is not a socket)
  Refused,           // nobody listens on it (stale socket file)
  PermissionDenied,  // not allowed to connect
  Timeout,           // no complete answer before the deadline
  Closed,            // the daemon closed the connection before answering fully
  Other,
};

// "none", "no socket", "refused", "permission denied", "timeout", "closed", "other".
const char* to_string(ClientFailure failure);

struct ClientResult {
  ClientFailure failure = ClientFailure::None;
  std::string error;        // when failure != None: one line naming the socket path
  ParsedResponse response;  // when failure == None
};

// Connects to `path`, sends `line` + '\n', reads one response. Everything
// (connect, send, receive) must finish within `timeout`.
ClientResult request(const std::string& path, std::string_view line, std::chrono::milliseconds timeout);

}  // namespace tandem::status
