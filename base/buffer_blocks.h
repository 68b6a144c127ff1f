#pragma once
// A per-thread cache of 16 KiB blocks, the storage of a connection buffer's
// first read (base::ByteBuffer). Every new HTTP connection takes two such
// blocks and gives them back when it closes; from glibc's malloc, blocks
// this size come from its bins (not its per-thread cache, which stops at
// about 1 KiB), and their malloc and free were the largest user-space cost
// of a new connection after the parser. Here a block freed on a worker is
// reused by that worker's next connection.
//
// Bounded (kBufferBlocksKept per thread; beyond that a block is freed), so
// a burst of connections does not keep its memory once it has passed.
// Threading: each thread has its own cache; a block may be given back on
// another thread than the one that took it.

#include <cstddef>

namespace tandem::base {

inline constexpr size_t kBufferBlockSize = 16 * 1024;
inline constexpr size_t kBufferBlocksKept = 64;  // 1 MiB per thread at most

// A block of kBufferBlockSize bytes (uninitialized): a cached one, else new.
char* take_buffer_block();
// Back to this thread's cache, or freed if the cache is full.
void give_buffer_block(char* block);
// Blocks in this thread's cache (for tests).
size_t cached_buffer_blocks();

}  // namespace tandem::base
