#define BOOST_TEST_DYN_LINK
#include "base/byte_buffer.h"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace tandem::base;

BOOST_AUTO_TEST_SUITE(byte_buffer)

BOOST_AUTO_TEST_CASE(append_consume_and_reuse) {
  ByteBuffer b;
  b.append("hello ");
  b.append("world");
  BOOST_TEST(b.view() == "hello world");
  b.consume(6);
  BOOST_TEST(b.view() == "world");
  b.consume(5);
  BOOST_TEST(b.empty());
  b.append("0123456789");
  size_t cap = b.capacity();
  for (int i = 0; i < 1000; ++i) {
    b.append("abcdefghij");
    b.consume(10);
  }
  BOOST_TEST(b.view() == "abcdefghij");
  BOOST_TEST(b.capacity() <= 2 * cap);  // moved to the front, not grown without bound
}

BOOST_AUTO_TEST_CASE(prepare_and_commit) {
  ByteBuffer b;
  auto room = b.prepare(4);
  BOOST_TEST(room.size() >= 4u);
  std::memcpy(room.data(), "abcd", 4);
  b.commit(3);
  BOOST_TEST(b.view() == "abc");
  b.release();
  BOOST_TEST(b.capacity() == 0u);
}

// Growing (to room for a bigger read) keeps the unconsumed bytes, in order,
// and gives at least the room asked for.
BOOST_AUTO_TEST_CASE(grows_keeping_its_bytes) {
  ByteBuffer b;
  b.append("0123456789");
  b.consume(3);
  auto room = b.prepare(100000);
  BOOST_TEST(room.size() >= 100000u);
  BOOST_TEST(b.view() == "3456789");
  room[0] = 'x';
  b.commit(1);
  BOOST_TEST(b.view() == "3456789x");
}

// A 16 KiB first read takes its storage from the thread's block cache and
// gives it back on release; the next connection's buffer reuses that block.
BOOST_AUTO_TEST_CASE(sixteen_kib_storage_is_recycled) {
  ByteBuffer first;
  first.prepare(kBufferBlockSize);
  BOOST_TEST(first.capacity() == kBufferBlockSize);
  const char* block = first.prepare(1).data();
  size_t cached = cached_buffer_blocks();
  first.release();
  BOOST_TEST(cached_buffer_blocks() == cached + 1);

  ByteBuffer second;
  BOOST_TEST(second.prepare(kBufferBlockSize).data() == block);
  BOOST_TEST(cached_buffer_blocks() == cached);

  // Growing past the block gives the block back, keeping the bytes.
  second.append("abc");
  second.prepare(2 * kBufferBlockSize);
  BOOST_TEST(cached_buffer_blocks() == cached + 1);
  BOOST_TEST(second.view() == "abc");

  ByteBuffer small;  // other sizes never touch the cache
  small.append("x");
  small.release();
  BOOST_TEST(cached_buffer_blocks() == cached + 1);
}

// The cache keeps at most kBufferBlocksKept blocks; the rest are freed.
BOOST_AUTO_TEST_CASE(block_cache_is_bounded) {
  std::vector<char*> taken;
  for (size_t i = 0; i < kBufferBlocksKept + 10; ++i) taken.push_back(take_buffer_block());
  BOOST_TEST(cached_buffer_blocks() == 0u);
  for (char* b : taken) give_buffer_block(b);
  BOOST_TEST(cached_buffer_blocks() == kBufferBlocksKept);
}

BOOST_AUTO_TEST_SUITE_END()
