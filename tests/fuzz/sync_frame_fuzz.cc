// libFuzzer target for the sync channel's frame decoder (sync/frame_decoder.cc
// and the frame and record codecs under it). The first input byte picks how
// the rest is fed to a FrameDecoder: 0 = all at once, N = slices of N bytes.
// Checks, for any input:
//  - no crash, no read outside the input (ASan: the input is copied to a
//    buffer of exactly its size), no undefined behaviour (UBSan);
//  - slicing changes nothing: the frames, the error and the bytes consumed
//    are those of decode_frame() over the whole input at once;
//  - canonical form: re-encoding the decoded frames gives back exactly the
//    bytes they were decoded from, and those bytes decode to the same frames.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sync/wire.h"

namespace {

using namespace tandem::sync;

struct Run {
  std::vector<Frame> frames;
  bool failed = false;
  WireError error;
  uint64_t consumed = 0;
};

Run sliced(std::string_view input, size_t slice) {
  Run run;
  FrameDecoder d;
  Frame f;
  for (size_t at = 0; at < input.size() && !d.failed(); at += slice) {
    d.feed(input.substr(at, slice));
    while (d.next(&f) == DecodeStatus::Frame) run.frames.push_back(f);
  }
  run.failed = d.failed();
  run.error = d.error();
  run.consumed = d.consumed();
  if (!run.failed && d.buffered() != input.size() - run.consumed) std::abort();
  if (run.failed && d.buffered() != 0) std::abort();
  return run;
}

Run whole(std::string_view input) {
  Run run;
  Frame f;
  for (;;) {
    size_t used = 0;
    const DecodeStatus s = decode_frame(input.substr(run.consumed), &f, &used, &run.error);
    if (s == DecodeStatus::NeedMore) break;
    if (s == DecodeStatus::Error) {
      run.failed = true;
      break;
    }
    if (used < kHeaderSize || used > kHeaderSize + kMaxPayload) std::abort();
    run.frames.push_back(f);
    run.consumed += used;
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t slice = data[0] == 0 ? size : data[0];
  // A copy of exactly the stream's bytes, so that ASan catches any over-read.
  const std::vector<char> bytes(data + 1, data + size);
  const std::string_view input(bytes.data(), bytes.size());

  const Run a = sliced(input, slice);
  const Run b = whole(input);
  if (a.frames != b.frames || a.failed != b.failed || a.consumed != b.consumed) std::abort();
  if (a.failed && !(a.error == b.error)) std::abort();
  if (a.failed && a.error.to_string().empty()) std::abort();

  std::string again;
  for (const Frame& f : a.frames) {
    if (!encode_frame(f, &again).ok()) std::abort();
  }
  if (again != input.substr(0, a.consumed)) std::abort();
  const Run c = whole(again);
  if (c.failed || c.consumed != again.size() || c.frames != a.frames) std::abort();
  return 0;
}
