#pragma once
// Builds one UPDATES frame in place, record by record, so a sender can turn
// table changes into wire bytes without first collecting them as Records,
// and cut batches at a size it chooses (docs/sync.md, "UPDATES").
//
// Usage:
//   UpdatesWriter w(&out, next_seq, kTargetPayload);
//   for each change: switch (w.add(record)) {
//       Added: continue;  Full: w.finish(); start another writer;  Invalid: count, log check_record()
//   }
//   w.finish();   // patches the header; an empty batch leaves *out as it was
//   next_seq = w.next_seq();
//
// Threading: one owner's. *out must outlive the writer, and nothing else may
// append to it between construction and finish().

#include <cstddef>
#include <cstdint>
#include <string>

#include "sync/frames.h"

namespace tandem::sync {

enum class AddResult {
  Added,    // appended; it has sequence number next_seq() - 1
  Full,     // would take the payload over max_payload: nothing appended
  Invalid,  // a field out of its bounds (check_record() says which): nothing appended
};
const char* to_string(AddResult r);

class UpdatesWriter {
 public:
  // Starts a frame at the end of *out whose first record gets `first_seq`
  // (>= 1). max_payload is clamped to kMaxPayload. A record is always
  // accepted into an empty frame if it fits kMaxPayload, even if it is
  // larger than max_payload, so a small target never stalls a sender.
  UpdatesWriter(std::string* out, uint64_t first_seq, size_t max_payload = kMaxPayload);
  // Finishes the frame if finish() was not called.
  ~UpdatesWriter();
  UpdatesWriter(const UpdatesWriter&) = delete;
  UpdatesWriter& operator=(const UpdatesWriter&) = delete;

  AddResult add(const Record& record);

  // Writes the record count and payload length; with no records, removes
  // the frame's bytes instead (an empty UPDATES is never sent). Idempotent.
  void finish();

  size_t count() const { return count_; }
  uint64_t next_seq() const { return first_seq_ + count_; }
  // The payload bytes written so far.
  size_t payload_size() const { return out_->size() - start_ - kHeaderSize; }

 private:
  std::string* out_;
  const size_t start_;
  const uint64_t first_seq_;
  const size_t max_payload_;
  size_t count_ = 0;
  bool finished_ = false;
};

}  // namespace tandem::sync
