// The keys of [sync]: the channel to the peer node (docs/config.md, docs/sync.md).

#include <string.h>  // explicit_bzero

#include <string>

#include "conf/file_checks.h"
#include "conf/key_rules.h"

namespace tandem::conf {
namespace {

using base::make_error;
using base::Status;

// The key file holds hex text as `openssl rand -hex 32` writes it.
constexpr size_t kMinKeyBytes = 32;
constexpr size_t kMaxKeyHexDigits = 1024;
// Room for the digits and generous whitespace; anything larger is not a key.
constexpr size_t kMaxKeyFileBytes = 4096;

// `listen` / `peer`: a literal address and a port. No host names: both
// nodes compare the two addresses to decide which one dials, so they must
// mean the same thing on both, whatever DNS says.
base::Result<base::SocketAddress> parse_sync_address(std::string_view v) {
  auto a = base::SocketAddress::parse(v, /*resolve=*/false);
  if (!a)
    return make_error(a.error().message +
                      ": expected IP:PORT with a literal IPv4 or IPv6 address (host names are not allowed here), "
                      "such as 10.0.0.11:7400 or [2001:db8::11]:7400");
  for (char c : a->address_bytes())
    if (c != 0) return a;
  return make_error(quote(v) + " is a wildcard address; give this node's (or the peer's) own IP address, "
                    "the nodes compare them to decide which one connects");
}

template <auto Member>
Status set_address(SyncConf& c, std::string_view v, const KeyContext&) {
  auto a = parse_sync_address(v);
  if (!a) return a.error();
  c.*Member = *a;
  return {};
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

// Decodes the key file's text (hex, blanks at both ends ignored) into raw
// bytes. `path` names the file in messages.
base::Result<std::string> decode_key(std::string_view text, const std::string& path) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  const size_t digits = end - begin;
  for (size_t i = begin; i < end; ++i)
    if (hex_value(text[i]) < 0) return make_error(path + ": not hex (character " + std::to_string(i + 1) + ")");
  if (digits % 2 != 0) return make_error(path + ": an odd number of hex digits (" + std::to_string(digits) + ")");
  if (digits / 2 < kMinKeyBytes)
    return make_error(path + ": " + std::to_string(digits / 2) + " bytes of key, at least " +
                      std::to_string(kMinKeyBytes) + " needed (openssl rand -hex 32 > " + path + ")");
  if (digits > kMaxKeyHexDigits)
    return make_error(path + ": " + std::to_string(digits) + " hex digits, at most " +
                      std::to_string(kMaxKeyHexDigits) + " (a key of 32 to 512 bytes)");
  std::string key(digits / 2, '\0');
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<char>(hex_value(text[begin + 2 * i]) * 16 + hex_value(text[begin + 2 * i + 1]));
  return key;
}

// `key_file = PATH`: read and decoded at load time, so `--check` finds a
// missing or malformed key before the daemon needs it.
Status set_key_file(SyncConf& c, std::string_view v, const KeyContext&) {
  auto text = read_secret_file(v, kMaxKeyFileBytes);
  if (!text) return text.error();
  auto key = decode_key(*text, std::string(v));
  explicit_bzero(text->data(), text->size());
  if (!key) return key.error();
  if (!c.key.empty()) explicit_bzero(c.key.data(), c.key.size());
  c.key = std::move(*key);
  c.key_file = std::string(v);
  return {};
}

Status set_peer_node(SyncConf& c, std::string_view v, const KeyContext&) {
  if (auto s = check_name(v, "node name"); !s) return s;
  c.peer_node = std::string(v);
  return {};
}

constexpr KeyRule<SyncConf> kSyncKeys[] = {
    {"listen", kSingle, set_address<&SyncConf::listen>},
    {"peer", kSingle, set_address<&SyncConf::peer>},
    {"key_file", kSingle, set_key_file},
    {"peer_node", kSingle, set_peer_node},
    {"heartbeat_interval", kSingle, set_duration<SyncConf, &SyncConf::heartbeat_interval, 10 * kMs, kMinute>},
    {"peer_timeout", kSingle, set_duration<SyncConf, &SyncConf::peer_timeout, 100 * kMs, 10 * kMinute>},
    {"batch_delay", kSingle, set_duration<SyncConf, &SyncConf::batch_delay, kMs, kSecond>},
    {"failover_sync_timeout", kSingle, set_duration<SyncConf, &SyncConf::failover_sync_timeout, 0, kMinute>},
};

}  // namespace

std::span<const KeyRule<SyncConf>> sync_keys() { return kSyncKeys; }

}  // namespace tandem::conf
