#include "sync/updates_writer.h"

#include <algorithm>
#include <limits>

namespace tandem::sync {
namespace {

constexpr size_t kUpdatesPrefix = 8 + 4;  // first_seq, record count

}  // namespace

const char* to_string(AddResult r) {
  switch (r) {
    case AddResult::Added: return "added";
    case AddResult::Full: return "full";
    case AddResult::Invalid: return "invalid";
  }
  return "unknown";
}

UpdatesWriter::UpdatesWriter(std::string* out, uint64_t first_seq, size_t max_payload)
    : out_(out), start_(out->size()), first_seq_(first_seq), max_payload_(std::min<size_t>(max_payload, kMaxPayload)) {
  append_header(FrameType::Updates, out_);
  out_->append(kUpdatesPrefix, '\0');
  put_be_at(out_, start_ + kHeaderSize, first_seq_, 8);
}

UpdatesWriter::~UpdatesWriter() { finish(); }

AddResult UpdatesWriter::add(const Record& record) {
  if (finished_) return AddResult::Full;
  // Sequence numbers: 0 is "none", and the last one must not wrap.
  if (first_seq_ == 0 || next_seq() == 0 || count_ == std::numeric_limits<uint32_t>::max()) return AddResult::Full;
  const size_t before = out_->size();
  if (!encode_record(record, out_).ok()) return AddResult::Invalid;
  const size_t limit = count_ == 0 ? size_t{kMaxPayload} : max_payload_;
  if (payload_size() > limit) {
    out_->resize(before);
    return count_ == 0 ? AddResult::Invalid : AddResult::Full;
  }
  ++count_;
  return AddResult::Added;
}

void UpdatesWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (count_ == 0) {
    out_->resize(start_);
    return;
  }
  put_be_at(out_, start_ + kHeaderSize + 8, count_, 4);
  patch_payload_length(out_, start_);
}

base::Status encode_updates(const Updates& f, std::string* out) {
  const size_t start = out->size();
  if (f.first_seq == 0) return base::make_error("UPDATES: first_seq: 0 (sequence numbers start at 1)");
  if (f.records.empty()) return base::make_error("UPDATES: records: none (a batch has at least one)");
  UpdatesWriter w(out, f.first_seq);
  for (size_t i = 0; i < f.records.size(); ++i) {
    const AddResult r = w.add(f.records[i]);
    if (r == AddResult::Added) continue;
    w.finish();
    out->resize(start);
    if (r == AddResult::Full) return base::make_error("UPDATES: records: over " + std::to_string(kMaxPayload) + " bytes or past sequence 2^64 - 1");
    base::Status why = check_record(f.records[i]);
    return base::make_error("UPDATES: records[" + std::to_string(i) + "]: " + (why ? "too large" : why.error().message));
  }
  w.finish();
  return {};
}

}  // namespace tandem::sync
