#pragma once
// The keys that encrypt TLS session tickets (RFC 5077 / RFC 8446 4.6.1),
// owned by the daemon rather than by each SSL_CTX: a reload builds new
// contexts but keeps these, so a ticket issued before the reload resumes
// after it (and the sync channel can give the peer the same keys, so a
// ticket resumes on the other node after a failover).
//
// A key encrypts new tickets for `rotate_every`, then is kept `keep - 1`
// more periods to decrypt the tickets it issued (they are renewed when
// used). Keys come from the OS CSPRNG.
//
// Shared by the pair (the sync channel): keys the peer made are merge()d
// in, and the keys kept are always the `keep` newest by creation time
// (wall clock, ties by name) whichever node made them; the newest is the
// current one. Both nodes therefore hold the same keys and encrypt with
// the same one, and when both rotate at once they agree on the winner
// without talking: the other key stays to decrypt what it issued.
//
// Threading: thread-safe (the workers' handshakes call it concurrently).

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "base/clock.h"

namespace tandem::tls {

struct TicketKey {
  std::array<uint8_t, 16> name{};   // sent in the clear in each ticket: which key
  std::array<uint8_t, 32> aes{};    // AES-256-CBC
  std::array<uint8_t, 32> hmac{};   // HMAC-SHA256
  uint64_t created_ms = 0;          // wall clock, ms since the epoch: the keys' order
  bool local = true;                // made on this node (false: merged from the peer)
};

class TicketKeys {
 public:
  TicketKeys(const base::Clock& clock, std::chrono::seconds rotate_every = std::chrono::hours(12), size_t keep = 3);

  // The key for new tickets, after rotating if the newest has served its period.
  TicketKey current();
  // The key a ticket names, if still kept; *newest says whether it is the
  // current one (otherwise the ticket should be renewed).
  std::optional<TicketKey> find(const uint8_t* name, bool* newest);
  size_t size() const;

  // The keys kept, newest (current) first.
  std::vector<TicketKey> keys() const;

  // Adds a key made by the peer (local = false) unless it is known or older
  // than every key kept when `keep` are kept. True if added.
  bool merge(const TicketKey& key);

  // Grows whenever the set of keys changes (rotation or merge). Cheap.
  uint64_t version() const;

  // Makes `ctx` encrypt and decrypt tickets with `keys` (which must outlive
  // every SSL made from `ctx`).
  static void install(SSL_CTX* ctx, TicketKeys* keys);

 private:
  void rotate_locked(uint64_t now_ms);
  void insert_locked(const TicketKey& key);
  uint64_t now_ms() const;

  const base::Clock& clock_;
  const std::chrono::seconds rotate_every_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::deque<TicketKey> keys_;  // newest first
  uint64_t version_ = 0;
};

}  // namespace tandem::tls
