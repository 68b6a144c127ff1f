#pragma once
// The field-level encoding of the sync wire format (docs/sync.md,
// "Encoding"): big-endian integers, u16-length strings, address bytes, fixed
// byte arrays, u16-counted lists. Internal to sync/.
//
// FieldWriter and FieldReader have the same method names, one taking const
// references and writing, the other taking references and reading, so that
// each frame's and record's layout is written once, as a template over the
// two (see records.cc, frames.cc): the encoder and the decoder cannot drift
// apart, and both check the same bounds.
//
// Both keep the first failure and ignore every call after it, so layout code
// reads straight through and the caller checks ok() once at the end. Loops
// over a count read from the wire must also stop when !ok().
//
// Threading: one owner's.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/wire_error.h"

namespace tandem::sync {

// The big-endian integer of `bytes` (1..8) bytes at `p`.
uint64_t get_be(const char* p, size_t bytes);
// Writes `v` as a big-endian integer of `bytes` (1..8) bytes over
// (*out)[at .. at + bytes), which must exist: for lengths and counts
// patched in once what they count is written.
void put_be_at(std::string* out, size_t at, uint64_t v, size_t bytes);

// Whether a string field may be empty.
enum class Presence { Optional, Required };

class FieldWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit FieldWriter(std::string* out) : out_(out) {}

  void u8(const char* field, uint8_t v);
  void u16(const char* field, uint16_t v);
  void u32(const char* field, uint32_t v);
  void u64(const char* field, uint64_t v);
  template <size_t N>
  void fixed(const char* /*field*/, const std::array<uint8_t, N>& v) {
    if (ok()) out_->append(reinterpret_cast<const char*>(v.data()), N);
  }
  // u16 length + bytes; fails if longer than `max` or empty when Required.
  void string(const char* field, const std::string& s, size_t max, Presence presence);
  // u8 length (4 or 16) + the address bytes; fails on any other length.
  void address(const char* field, const std::string& a);
  // u8 flags (bit 0: present) + u16 value (0 when absent).
  void optional_u16(const char* field, const std::optional<uint16_t>& v);
  // One byte; fails unless is_valid(v) (found by argument-dependent lookup).
  template <typename E>
  void enum8(const char* field, E v) {
    if (!is_valid(v)) return fail(field, "unknown value " + std::to_string(static_cast<unsigned>(v)));
    u8(field, static_cast<uint8_t>(v));
  }
  // u16 (list16) or u32 (list32) count, then each element written by
  // each(const T&). `min_size` is the decoder's business (FieldReader).
  template <typename T, typename F>
  void list16(const char* field, const std::vector<T>& v, size_t min_size, F&& each) {
    list(field, v, 0xFFFF, min_size, each);
  }
  template <typename T, typename F>
  void list32(const char* field, const std::vector<T>& v, size_t min_size, F&& each) {
    list(field, v, 0xFFFFFFFF, min_size, each);
  }

  // A u16 holding an enum whose unknown values are kept (no validity check).
  template <typename E>
  void raw16(const char* field, E v) {
    u16(field, static_cast<uint16_t>(v));
  }
  // A cross-field rule: fails with "<field>: <what>" unless `holds`.
  void check(bool holds, const char* field, std::string_view what) {
    if (!holds) fail(field, std::string(what));
  }

  // Records a failure "<field>: <what>" (the first one wins).
  void fail(const char* field, const std::string& what);
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  template <typename T, typename F>
  void list(const char* field, const std::vector<T>& v, size_t max_count, size_t /*min_size*/, F& each) {
    if (v.size() > max_count) return fail(field, "more than " + std::to_string(max_count) + " elements");
    if (max_count == 0xFFFF) u16(field, static_cast<uint16_t>(v.size()));
    else u32(field, static_cast<uint32_t>(v.size()));
    for (const T& e : v) {
      if (!ok()) return;
      each(e);
    }
  }

  std::string* out_;
  std::string error_;
};

class FieldReader {
 public:
  // Reads `data`, which must outlive the reader.
  explicit FieldReader(std::string_view data) : data_(data) {}

  void u8(const char* field, uint8_t& v);
  void u16(const char* field, uint16_t& v);
  void u32(const char* field, uint32_t& v);
  void u64(const char* field, uint64_t& v);
  template <size_t N>
  void fixed(const char* field, std::array<uint8_t, N>& v) {
    const char* p = take(field, N);
    if (p != nullptr) for (size_t i = 0; i < N; ++i) v[i] = static_cast<uint8_t>(p[i]);
  }
  // Allocates at most `max` bytes, and only once they are known to be there.
  void string(const char* field, std::string& s, size_t max, Presence presence);
  void address(const char* field, std::string& a);
  // Refuses flags other than 0 and 1, and a non-zero value when absent, so
  // that every accepted encoding is the one FieldWriter produces.
  void optional_u16(const char* field, std::optional<uint16_t>& v);
  template <typename E>
  void enum8(const char* field, E& v) {
    uint8_t raw = 0;
    u8(field, raw);
    if (!ok()) return;
    if (!is_valid(static_cast<E>(raw)))
      return fail(WireErrorCode::OutOfBounds, field, "unknown value " + std::to_string(raw));
    v = static_cast<E>(raw);
  }
  // A u16 (list16) or u32 (list32) count, then each element read by
  // each(T&). Each element must take at least `min_size` encoded bytes: a
  // count that cannot fit in what is left is refused (Truncated) before
  // anything is reserved. Failures inside name the element: "<list>[<i>].".
  template <typename T, typename F>
  void list16(const char* field, std::vector<T>& v, size_t min_size, F&& each) {
    uint16_t count = 0;
    u16(field, count);
    list(field, count, v, min_size, each);
  }
  template <typename T, typename F>
  void list32(const char* field, std::vector<T>& v, size_t min_size, F&& each) {
    uint32_t count = 0;
    u32(field, count);
    list(field, count, v, min_size, each);
  }

  template <typename E>
  void raw16(const char* field, E& v) {
    uint16_t raw = 0;
    u16(field, raw);
    if (ok()) v = static_cast<E>(raw);
  }
  // A cross-field rule, checked after its fields were read: fails with
  // OutOfBounds unless `holds` (ignored once a read failed: the values may
  // be half read).
  void check(bool holds, const char* field, std::string_view what) {
    if (ok() && !holds) fail(WireErrorCode::OutOfBounds, field, std::string(what));
  }

  // The next `n` bytes (nullptr, and a Truncated failure, if fewer are left).
  const char* take(const char* field, size_t n);
  // Fails with TrailingBytes unless everything was read.
  void end(const char* what);

  // Records a failure "<field>: <what>" (the first one wins); inside a list,
  // "<list>[<i>].<field>: <what>".
  void fail(WireErrorCode code, const char* field, const std::string& what);
  bool ok() const { return !failed_; }
  const WireError& error() const { return error_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  template <typename T, typename F>
  void list(const char* field, size_t count, std::vector<T>& v, size_t min_size, F& each) {
    if (!ok()) return;
    if (count * min_size > remaining())
      return fail(WireErrorCode::Truncated, field,
                  std::to_string(count) + " elements cannot fit in " + std::to_string(remaining()) + " bytes");
    v.clear();
    v.reserve(count);
    list_field_ = field;
    for (size_t i = 0; i < count && ok(); ++i) {
      list_index_ = i;
      each(v.emplace_back());
    }
    list_field_ = nullptr;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
  WireError error_;
  const char* list_field_ = nullptr;
  size_t list_index_ = 0;
};

}  // namespace tandem::sync
