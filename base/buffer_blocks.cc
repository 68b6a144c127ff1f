#include "base/buffer_blocks.h"

namespace tandem::base {
namespace {

struct BlockCache {
  char* blocks[kBufferBlocksKept];
  size_t count = 0;
  bool closed = false;  // the thread is exiting: a block given back now is freed
  ~BlockCache() {
    closed = true;
    while (count > 0) delete[] blocks[--count];
  }
};

thread_local BlockCache t_cache;

}  // namespace

char* take_buffer_block() {
  if (t_cache.count > 0) return t_cache.blocks[--t_cache.count];
  return new char[kBufferBlockSize];  // uninitialized, on purpose (ByteBuffer)
}

void give_buffer_block(char* block) {
  if (!t_cache.closed && t_cache.count < kBufferBlocksKept) {
    t_cache.blocks[t_cache.count++] = block;
    return;
  }
  delete[] block;
}

size_t cached_buffer_blocks() { return t_cache.count; }

}  // namespace tandem::base
