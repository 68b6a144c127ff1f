#pragma once
// The numeric origins that the daemon's tables stamp on entries (a uint32
// beside each entry costs less than a name), mapped to and from the node
// names that the sync channel carries (docs/sync.md, "Records").
//
// Last-writer-wins breaks ties of equal stamps by origin: the node name
// greater in byte order wins. The numbers must therefore sort as the names
// do. A pair has two names: this node's is in the middle of the range, and
// any other name gets the number above or below it, as its name sorts. So
// the order holds for every pair, whichever peer shows up.
//
// Threading: main thread only (the sync channel's).

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::replication {

class NodeOrigins {
 public:
  static constexpr uint32_t kLocal = 0x80000000u;
  static constexpr uint32_t kBelow = 0x40000000u;
  static constexpr uint32_t kAbove = 0xC0000000u;

  explicit NodeOrigins(std::string local) : local_(std::move(local)) {}

  // This node's name.
  const std::string& local() const { return local_; }

  // The number for `name`, remembering the name for name_of().
  uint32_t id_of(std::string_view name);

  // The name for a number id_of() gave (this node's for kLocal and for any
  // number never given out: entries written before a peer was known).
  const std::string& name_of(uint32_t id) const;

  // The other node's name, as last seen (this node's when none was seen).
  const std::string& peer() const { return name_of(last_peer_); }

 private:
  std::string local_;
  std::string below_;
  std::string above_;
  uint32_t last_peer_ = kLocal;
};

}  // namespace tandem::replication
