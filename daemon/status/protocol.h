#pragma once
// The status socket's protocol, shared by the daemon (StatusServer,
// CommandRegistry, command handlers) and the client (tandemctl):
//
//   request  = one line: words separated by spaces or tabs, '\n' or "\r\n"
//   response = a status line: "OK" or "ERR <code> <message>"
//              zero or more body lines, never empty
//              one empty line, which ends the response
//
// docs/status.md is the operator's description; this header is the code's.
//
// Threading: plain values, except Responder (see there).

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::status {

// The ERR codes, borrowed from HTTP so they read naturally.
enum class StatusCode {
  Ok = 200,
  BadRequest = 400,  // unknown command, bad usage, malformed line
  Forbidden = 403,   // the command needs root
  NotFound = 404,    // no such object / pool / server
  Conflict = 409,    // refused in the current state (or too many clients)
  Failed = 500,      // the command failed, or an internal error
};

// "OK", "bad request", "permission denied", "not found", "conflict", "failed".
const char* to_string(StatusCode code);

// Who is on the other end of the socket (SO_PEERCRED). uid == kUnknownUid
// when the kernel could not tell; such a peer is not root.
struct PeerCredentials {
  static constexpr uid_t kUnknownUid = static_cast<uid_t>(-1);
  uid_t uid = kUnknownUid;
  gid_t gid = static_cast<gid_t>(-1);
  pid_t pid = 0;
  bool is_root() const { return uid == 0; }
};

// What a command handler is given.
struct Request {
  std::string command = {};            // the command's words, e.g. "show pools"
  std::vector<std::string> args = {};  // the words after them, without --json
  bool json = false;                   // a leading or trailing --json word was given
  PeerCredentials peer = {};
  std::string usage = {};              // "usage: show pools [POOL]", for bad_usage()
};

// What a command answers. Body: lines separated by '\n' (a final '\n' is
// optional). The framework keeps the protocol intact whatever is put here:
// "\r\n" becomes '\n', an empty body line is sent as a single space, and a
// message is cut to one line.
struct Response {
  StatusCode code = StatusCode::Ok;
  std::string message = {};  // ERR only: one line saying what went wrong
  std::string body = {};

  static Response ok(std::string body = {}) { return Response{StatusCode::Ok, {}, std::move(body)}; }
  static Response error(StatusCode code, std::string message, std::string body = {}) {
    return Response{code, std::move(message), std::move(body)};
  }
  // 400 with the request's usage line as the message.
  static Response bad_usage(const Request& request) {
    return error(StatusCode::BadRequest, request.usage);
  }
  bool is_ok() const { return code == StatusCode::Ok; }
  // Appends one body line.
  Response& line(std::string_view text) {
    body.append(text);
    body += '\n';
    return *this;
  }
};

// Appends the wire form of `response` to `out`, ending with the empty line.
void encode_response(const Response& response, std::string& out);

// The answer channel of one request. A command replies exactly once, either
// before its handler returns or later (asynchronous commands such as a
// failover that waits for the peer). Later calls to reply() are ignored. A
// Responder destroyed without a reply answers 500 "internal error: ...", so
// a client never waits forever for a lost request.
//
// If the client disconnected in the meantime the reply is dropped safely;
// client_gone() lets a long operation notice (it may still carry on).
//
// Threading: move it freely, but reply() (and the destructor, if no reply
// was made) must run on the status socket's loop thread. An answer computed
// on another thread is posted to that loop (base::TaskQueue) first.
class Responder {
 public:
  using Sink = std::function<void(Response&&)>;
  using AliveCheck = std::function<bool()>;

  // A responder whose reply goes nowhere (tests, internal callers).
  Responder() = default;
  // `sink` receives the reply once; `alive` (optional) says whether the
  // client is still there.
  explicit Responder(Sink sink, AliveCheck alive = {}) : sink_(std::move(sink)), alive_(std::move(alive)) {}
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void reply(Response response);
  bool replied() const { return !sink_; }
  bool client_gone() const { return alive_ && !alive_(); }

 private:
  Sink sink_;
  AliveCheck alive_;
};

}  // namespace tandem::status
