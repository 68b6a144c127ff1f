#pragma once
// A growable byte buffer for one direction of a connection: bytes are
// appended at the end (read from a socket, or written by a formatter) and
// consumed from the front (parsed, sent). Storage grows to the largest size
// ever needed and is then reused, so a long-lived connection stops
// allocating after its first messages.
//
// Views into the buffer (string_views from view()) stay valid until the next
// call that appends or prepares room: those may move the bytes.
//
// The storage is never zero-filled (a std::vector<char> would be, on every
// growth): a connection's first read prepares 16 KiB, and clearing them cost
// a new HTTP connection a 16 KiB memset per direction for bytes recv()
// overwrites anyway. Storage of exactly 16 KiB (the size of that first
// read) is taken from and given back to the thread's block cache
// (base/buffer_blocks.h).
//
// Threading: one owner's thread.

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include "base/buffer_blocks.h"

namespace tandem::base {

// Frees a ByteBuffer's storage the way it was allocated.
struct FreeBufferStorage {
  bool block = false;  // from take_buffer_block()
  void operator()(char* p) const {
    if (block)
      give_buffer_block(p);
    else
      delete[] p;
  }
};

class ByteBuffer {
 public:
  const char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  std::string_view view() const { return {data(), size()}; }

  // Room for at least `min` more bytes at the end (moving the content to the
  // front first, if that makes enough room). Fill it, then commit() what was
  // written.
  std::span<char> prepare(size_t min) {
    if (capacity_ - end_ < min) {
      if (begin_ > 0) {
        if (size() > 0) std::memmove(buf_.get(), buf_.get() + begin_, size());
        end_ -= begin_;
        begin_ = 0;
      }
      if (capacity_ - end_ < min) grow(end_ + min);
    }
    return {buf_.get() + end_, capacity_ - end_};
  }
  void commit(size_t n) { end_ += n; }

  void append(std::string_view s) {
    std::span<char> room = prepare(s.size());
    if (!s.empty()) std::memcpy(room.data(), s.data(), s.size());
    commit(s.size());
  }

  // Drops `n` bytes from the front (n <= size()).
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }
  // Frees the storage (an idle connection keeps no buffer).
  void release() {
    clear();
    buf_.reset();
    capacity_ = 0;
  }
  size_t capacity() const { return capacity_; }

 private:
  // At least doubles, so appending byte by byte costs amortized O(1).
  void grow(size_t needed) {
    size_t next = capacity_ * 2 > needed ? capacity_ * 2 : needed;
    bool block = next == kBufferBlockSize;
    Storage bigger(block ? take_buffer_block() : new char[next], FreeBufferStorage{block});  // uninitialized, on purpose
    if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    capacity_ = next;
  }

  using Storage = std::unique_ptr<char[], FreeBufferStorage>;

  Storage buf_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace tandem::base
