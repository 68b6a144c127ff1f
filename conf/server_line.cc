#include "conf/server_line.h"

#include <string>

#include "conf/suggest.h"
#include "conf/values.h"

namespace tandem::conf {
namespace {

using base::make_error;

constexpr std::string_view kOptions[] = {"weight", "maxconn", "backup", "tls", "verify", "sni"};
constexpr std::string_view kVerifyValues[] = {"none", "required"};

bool is_any_address(const base::SocketAddress& a) {
  for (char c : a.address_bytes())
    if (c != 0) return false;
  return true;
}

// The options written as a bare word.
base::Status apply_flag(ServerConf& s, std::string_view name) {
  (name == "backup" ? s.backup : s.tls) = true;
  return {};
}

// The options written NAME=VALUE; `value` is not empty.
base::Status apply_valued(ServerConf& s, std::string_view name, std::string_view value) {
  if (name == "verify") {
    if (value != kVerifyValues[0] && value != kVerifyValues[1])
      return make_error("verify: " + unknown_keyword_message(value, kVerifyValues));
    s.tls_verify = value == "required";
    return {};
  }
  if (name == "sni") {
    if (auto st = check_host_name(value, "SNI name", false); !st) return make_error("sni: " + st.error().message);
    s.tls_sni = std::string(value);
    return {};
  }
  auto n = name == "weight" ? parse_count(value, 0, 1000) : parse_count(value, 0, 1000000);
  if (!n) return make_error(std::string(name) + ": " + n.error().message);
  (name == "weight" ? s.weight : s.maxconn) = static_cast<int>(*n);
  return {};
}

// Applies one option word to `s`; `seen` guards against repeats.
base::Status apply_option(ServerConf& s, std::string_view word, std::string& seen) {
  size_t eq = word.find('=');
  std::string_view name = word.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? std::string_view() : word.substr(eq + 1);
  bool known = false;
  for (std::string_view o : kOptions) known = known || o == name;
  if (!known) {
    if (word.front() == '#')
      return make_error("unexpected " + quote(word) + " ('#' starts a comment only at the start of a line; use ';')");
    return make_error("unknown server option " + quote(word) + did_you_mean(name, kOptions) +
                      "; options are weight=N, backup, maxconn=N, tls, verify=none|required, sni=NAME");
  }
  if (seen.find(" " + std::string(name) + " ") != std::string::npos)
    return make_error("server option '" + std::string(name) + "' given twice");
  seen += " " + std::string(name) + " ";
  if (name == "backup" || name == "tls") {
    if (eq != std::string_view::npos) return make_error("'" + std::string(name) + "' takes no value");
    return apply_flag(s, name);
  }
  if (eq == std::string_view::npos || value.empty()) {
    std::string_view form = name == "verify" ? "none|required" : name == "sni" ? "NAME" : "N";
    return make_error("'" + std::string(name) + "' needs a value: " + std::string(name) + "=" + std::string(form) +
                      " (no spaces)");
  }
  return apply_valued(s, name, value);
}

}  // namespace

base::Result<ServerConf> parse_server_line(std::string_view value, bool resolve) {
  auto words = split_words(value);
  if (words.size() < 2) {
    bool looks_like_address = !words.empty() && words[0].find(':') != std::string_view::npos;
    return make_error(std::string(looks_like_address ? "missing server name" : "missing address") + "; expected '" +
                      std::string(kServerSyntax) + "'");
  }
  ServerConf s;
  if (auto st = check_name(words[0], "server name"); !st) return st.error();
  s.name = std::string(words[0]);
  auto address = base::SocketAddress::parse(words[1], resolve);
  if (!address) return make_error("server '" + s.name + "': " + address.error().message);
  if (is_any_address(*address))
    return make_error("server '" + s.name + "': " + quote(words[1]) + " is not an address one can connect to");
  s.address = *address;
  s.address_text = std::string(words[1]);
  std::string seen;
  for (size_t i = 2; i < words.size(); ++i) {
    if (auto st = apply_option(s, words[i], seen); !st) return make_error("server '" + s.name + "': " + st.error().message);
  }
  if (!s.tls)
    for (std::string_view option : {"verify", "sni"})
      if (seen.find(" " + std::string(option) + " ") != std::string::npos)
        return make_error("server '" + s.name + "': '" + std::string(option) + "' needs 'tls' (it applies to TLS only)");
  return s;
}

}  // namespace tandem::conf
