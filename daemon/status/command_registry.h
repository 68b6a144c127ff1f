#pragma once
// The one table of status-socket commands (STYLE habit 12): each module
// registers its own verbs next to the data they show, e.g. in the pools
// module:
//
//   registry.add({.words = "show pools",
//                 .args = "[POOL]",
//                 .summary = "pools and their servers",
//                 .access = Access::Read,
//                 .handler = [this](const Request& r) { return show_pools(r); }});
//
// (async commands set .async_handler instead of .handler).
//
// A request line is split on spaces/tabs; a leading or trailing "--json"
// word is removed and sets Request::json; the command whose words are the
// longest prefix of the line is chosen, and the remaining words are its
// arguments. Unknown or incomplete commands get 400 with a hint; an Admin
// command from a peer that is not root gets 403 before its handler runs.
// A handler that throws is answered 500 (exceptions never reach the loop).
// The built-in "help [WORDS]" lists the commands.
//
// Threading: none. The registry, and every handler, is used only on the
// daemon's main loop thread (where the StatusServer runs); no locking. The
// registry must outlive the StatusServer that dispatches to it.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "daemon/status/protocol.h"

namespace tandem::status {

// Who may run a command: Read = anyone who can open the socket (root and
// the socket's group), Admin = root only.
enum class Access { Read, Admin };
const char* to_string(Access access);  // "read", "admin"

// Answers at once, on the loop thread.
using Handler = std::function<Response(const Request&)>;
// Answers now or later through the Responder (see protocol.h). While it has
// not answered, later commands on the same connection wait (answers stay in
// order); other connections are served meanwhile.
using AsyncHandler = std::function<void(const Request&, Responder)>;

struct Command {
  // (Every member has a default so designated initializers may omit any.)
  std::string words = {};    // "show pools": lower-case words separated by one space
  std::string args = {};     // argument synopsis for help and usage: "POOL/SERVER N"
  std::string summary = {};  // one line for help
  Access access = Access::Read;
  Handler handler = {};             // exactly one of handler and async_handler
  AsyncHandler async_handler = {};
};

class CommandRegistry {
 public:
  // A registry holding the built-in "help".
  CommandRegistry();
  CommandRegistry(const CommandRegistry&) = delete;
  CommandRegistry& operator=(const CommandRegistry&) = delete;

  // Adds a command. Errors: no words, a word with characters other than
  // a-z 0-9 - _ /, the same words already registered, not exactly one
  // handler.
  base::Status add(Command command);
  // Removes a command (e.g. a module that goes away on reload). Returns
  // false if there was none with these words.
  bool remove(std::string_view words);

  // The command registered with exactly these words, or nullptr.
  const Command* find(std::string_view words) const;
  size_t size() const { return commands_.size(); }

  // Runs the command `line` names for `peer` and answers through
  // `responder` (synchronous handlers answer before this returns). `line`
  // has no line terminator.
  void dispatch(std::string_view line, const PeerCredentials& peer, Responder responder) const;

  // Synchronous convenience (tests, internal callers): the response if the
  // command answered before returning, else 500 "answer pending".
  Response call(std::string_view line, const PeerCredentials& peer) const;

  // The help listing of the commands whose words start with `prefix`
  // (all when empty); "" if none.
  std::string help_text(const std::vector<std::string>& prefix = {}) const;

 private:
  struct Entry {
    Command command;
    std::vector<std::string> words;
  };
  Response help(const Request& request) const;
  const Entry* match(const std::vector<std::string>& tokens) const;
  Response unknown(const std::vector<std::string>& tokens) const;

  std::vector<Entry> commands_;  // sorted by words
};

}  // namespace tandem::status
