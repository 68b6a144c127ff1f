#include "daemon/status/command_registry.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>

#include "base/log.h"
#include "daemon/status/table.h"

namespace tandem::status {

const char* to_string(Access access) { return access == Access::Admin ? "admin" : "read"; }

namespace {

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.emplace_back(line.substr(start, i - start));
  }
  return words;
}

std::string join(const std::vector<std::string>& words, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

bool valid_word(const std::string& w) {
  if (w.empty()) return false;
  return std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '/';
  });
}

bool starts_with(const std::vector<std::string>& words, const std::vector<std::string>& prefix) {
  return prefix.size() <= words.size() && std::equal(prefix.begin(), prefix.end(), words.begin());
}

std::string synopsis(const Command& c) { return c.args.empty() ? c.words : c.words + " " + c.args; }

}  // namespace

CommandRegistry::CommandRegistry() {
  base::Status s = add(Command{
      .words = "help",
      .args = "[COMMAND]",
      .summary = "list the commands (those starting with COMMAND)",
      .access = Access::Read,
      .handler = [this](const Request& r) { return help(r); },
  });
  (void)s;  // cannot fail on an empty registry
}

base::Status CommandRegistry::add(Command command) {
  std::vector<std::string> words = split_words(command.words);
  if (words.empty()) return base::make_error("status command without words");
  for (const auto& w : words) {
    if (!valid_word(w)) return base::make_error("status command '" + command.words + "': bad word '" + w + "'");
  }
  if (static_cast<bool>(command.handler) == static_cast<bool>(command.async_handler)) {
    return base::make_error("status command '" + command.words + "': needs exactly one handler");
  }
  command.words = join(words, words.size());
  if (find(command.words)) return base::make_error("status command '" + command.words + "' registered twice");
  auto at = std::lower_bound(commands_.begin(), commands_.end(), words,
                             [](const Entry& e, const std::vector<std::string>& w) { return e.words < w; });
  commands_.insert(at, Entry{std::move(command), std::move(words)});
  return {};
}

bool CommandRegistry::remove(std::string_view words) {
  const std::string key = join(split_words(words), SIZE_MAX);
  auto it = std::find_if(commands_.begin(), commands_.end(), [&](const Entry& e) { return e.command.words == key; });
  if (it == commands_.end()) return false;
  commands_.erase(it);
  return true;
}

const Command* CommandRegistry::find(std::string_view words) const {
  for (const auto& e : commands_) {
    if (e.command.words == words) return &e.command;
  }
  return nullptr;
}

const CommandRegistry::Entry* CommandRegistry::match(const std::vector<std::string>& tokens) const {
  const Entry* best = nullptr;
  for (const auto& e : commands_) {
    if (starts_with(tokens, e.words) && (!best || e.words.size() > best->words.size())) best = &e;
  }
  return best;
}

Response CommandRegistry::unknown(const std::vector<std::string>& tokens) const {
  // How many leading words some command shares: "show" of "show foo".
  size_t depth = 0;
  for (const auto& e : commands_) {
    size_t d = 0;
    while (d < e.words.size() && d < tokens.size() && e.words[d] == tokens[d]) ++d;
    depth = std::max(depth, d);
  }
  if (depth == 0) {
    return Response::error(StatusCode::BadRequest, "unknown command '" + tokens[0] + "'; try 'help'");
  }
  const std::vector<std::string> known(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(depth));
  const std::string what = join(tokens, depth + 1);
  const std::string verb = depth == tokens.size() ? "incomplete command '" : "unknown command '";
  return Response::error(StatusCode::BadRequest, verb + what + "'; try 'help " + join(known, depth) + "'",
                         help_text(known));
}

void CommandRegistry::dispatch(std::string_view line, const PeerCredentials& peer, Responder responder) const {
  std::vector<std::string> tokens = split_words(line);
  bool json = false;
  if (!tokens.empty() && tokens.back() == "--json") {
    json = true;
    tokens.pop_back();
  }
  if (!tokens.empty() && tokens.front() == "--json") {
    json = true;
    tokens.erase(tokens.begin());
  }
  if (tokens.empty()) {
    responder.reply(Response::error(StatusCode::BadRequest, "empty command; try 'help'"));
    return;
  }
  const Entry* entry = match(tokens);
  if (!entry) {
    responder.reply(unknown(tokens));
    return;
  }
  const Command& cmd = entry->command;
  if (cmd.access == Access::Admin && !peer.is_root()) {
    responder.reply(Response::error(StatusCode::Forbidden, "permission denied: " + cmd.words + " needs root"));
    return;
  }
  Request request{
      .command = cmd.words,
      .args = std::vector<std::string>(tokens.begin() + static_cast<std::ptrdiff_t>(entry->words.size()), tokens.end()),
      .json = json,
      .peer = peer,
      .usage = "usage: " + synopsis(cmd),
  };
  try {
    if (cmd.handler) {
      responder.reply(cmd.handler(request));
    } else {
      cmd.async_handler(request, std::move(responder));
    }
  } catch (const std::exception& e) {
    TLOG_ERROR("status command '%s' failed: %s", cmd.words.c_str(), e.what());
    responder.reply(Response::error(StatusCode::Failed, std::string("internal error: ") + e.what()));
  } catch (...) {
    TLOG_ERROR("status command '%s' failed with an unknown exception", cmd.words.c_str());
    responder.reply(Response::error(StatusCode::Failed, "internal error"));
  }
}

Response CommandRegistry::call(std::string_view line, const PeerCredentials& peer) const {
  // Shared, so an async command that keeps its Responder past our return
  // writes into live memory (and is then ignored).
  auto slot = std::make_shared<std::optional<Response>>();
  dispatch(line, peer, Responder([slot](Response&& r) { *slot = std::move(r); }));
  if (!slot->has_value()) return Response::error(StatusCode::Failed, "answer pending");
  return std::move(**slot);
}

std::string CommandRegistry::help_text(const std::vector<std::string>& prefix) const {
  size_t width = 0;
  for (const auto& e : commands_) {
    if (starts_with(e.words, prefix)) width = std::max(width, synopsis(e.command).size());
  }
  std::string out;
  for (const auto& e : commands_) {
    if (!starts_with(e.words, prefix)) continue;
    std::string s = synopsis(e.command);
    s.resize(width, ' ');
    out += s + "  " + e.command.summary;
    if (e.command.access == Access::Admin) out += " (root)";
    out += '\n';
  }
  return out;
}

Response CommandRegistry::help(const Request& request) const {
  std::string text = help_text(request.args);
  if (text.empty()) {
    return Response::error(StatusCode::NotFound, "no command starts with '" + join(request.args, SIZE_MAX) + "'");
  }
  if (!request.json) return Response::ok(std::move(text));
  Table table({"command", "args", "summary", "access"});
  for (const auto& e : commands_) {
    if (!starts_with(e.words, request.args)) continue;
    table.add_row({e.command.words, e.command.args, e.command.summary, to_string(e.command.access)});
  }
  return Response::ok(table.to_json());
}

}  // namespace tandem::status
