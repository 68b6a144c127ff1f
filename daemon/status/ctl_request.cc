#include "daemon/status/ctl_request.h"

#include <algorithm>

#include "daemon/status/oid.h"

namespace tandem::status {

namespace {

base::Error usage(const std::string& synopsis) { return base::make_error("usage: tandemctl " + synopsis); }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

bool clean_word(const std::string& w) {
  return !w.empty() && std::none_of(w.begin(), w.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}

bool pool_server(const std::string& w) {
  const size_t slash = w.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < w.size() && w.find('/', slash + 1) == std::string::npos;
}

bool small_number(const std::string& w) {
  return !w.empty() && w.size() <= 9 && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

base::Status check_oids(const std::vector<std::string>& words, size_t from) {
  for (size_t i = from; i < words.size(); ++i) {
    auto oid = Oid::parse(words[i]);
    if (!oid) return oid.error();
  }
  return {};
}

base::Status check_server(const std::vector<std::string>& w) {
  const std::string syn = "server disable|enable|drain POOL/SERVER\n       tandemctl server weight POOL/SERVER N";
  if (w.size() < 2) return usage(syn);
  if (w[1] == "disable" || w[1] == "enable" || w[1] == "drain") {
    if (w.size() != 3 || !pool_server(w[2])) return usage("server " + w[1] + " POOL/SERVER");
    return {};
  }
  if (w[1] == "weight") {
    if (w.size() != 4 || !pool_server(w[2]) || !small_number(w[3])) return usage("server weight POOL/SERVER N");
    return {};
  }
  return usage(syn);
}

// Checks the commands tandemctl knows; others pass.
base::Status check(const std::vector<std::string>& w) {
  const std::string& cmd = w[0];
  if (cmd == "status" || cmd == "reload") {
    if (w.size() != 1) return usage(cmd);
  } else if (cmd == "show") {
    if (w.size() < 2) return usage("show status|pools|conns|sticky|...");
  } else if (cmd == "get" || cmd == "next") {
    if (w.size() < 2) return usage(cmd + " OID...");
    return check_oids(w, 1);
  } else if (cmd == "walk") {
    if (w.size() > 2) return usage("walk [OID]");
    return check_oids(w, 1);
  } else if (cmd == "server") {
    return check_server(w);
  } else if (cmd == "failover") {
    // failover [INSTANCE] [--release], in either order.
    int names = 0, releases = 0;
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i] == "--release") {
        ++releases;
      } else if (w[i].rfind('-', 0) == 0) {
        return usage("failover [INSTANCE] [--release]");
      } else {
        ++names;
      }
    }
    if (names > 1 || releases > 1) return usage("failover [INSTANCE] [--release]");
  }
  return {};
}

}  // namespace

base::Result<std::string> build_ctl_request(std::vector<std::string> words, bool json) {
  if (words.empty()) return base::make_error("no command given; try 'tandemctl help' or 'tandemctl --help'");
  if (words[0] == "raw") {
    std::vector<std::string> rest(words.begin() + 1, words.end());
    const std::string line = join(rest);
    if (line.empty()) return usage("raw LINE");
    for (char c : line) {
      if (c == '\n' || c == '\r' || c == '\0') return base::make_error("raw: the line must be one line");
    }
    return json ? line + " --json" : line;
  }
  std::erase_if(words, [&](const std::string& w) {
    if (w != "--json") return false;
    json = true;
    return true;
  });
  if (words.empty()) return base::make_error("no command given; try 'tandemctl help' or 'tandemctl --help'");
  for (const auto& w : words) {
    if (!clean_word(w)) return base::make_error("argument '" + w + "' contains white space or a control character");
  }
  if (auto s = check(words); !s) return s.error();
  std::string line = words[0] == "status" ? "show status" : join(words);
  if (json) line += " --json";
  return line;
}

}  // namespace tandem::status
