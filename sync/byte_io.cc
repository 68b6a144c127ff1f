#include "sync/byte_io.h"

namespace tandem::sync {

uint64_t get_be(const char* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void put_be_at(std::string* out, size_t at, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) (*out)[at + i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
}

namespace {

template <typename T>
void append_be(std::string* out, T v) {
  const size_t at = out->size();
  out->append(sizeof(T), '\0');
  put_be_at(out, at, v, sizeof(T));
}

template <typename T>
T read_be(const char* p) {
  return static_cast<T>(get_be(p, sizeof(T)));
}

}  // namespace

void FieldWriter::u8(const char*, uint8_t v) {
  if (ok()) out_->push_back(static_cast<char>(v));
}
void FieldWriter::u16(const char*, uint16_t v) {
  if (ok()) append_be(out_, v);
}
void FieldWriter::u32(const char*, uint32_t v) {
  if (ok()) append_be(out_, v);
}
void FieldWriter::u64(const char*, uint64_t v) {
  if (ok()) append_be(out_, v);
}

void FieldWriter::string(const char* field, const std::string& s, size_t max, Presence presence) {
  if (s.size() > max) return fail(field, "length " + std::to_string(s.size()) + " > " + std::to_string(max));
  if (s.empty() && presence == Presence::Required) return fail(field, "empty");
  u16(field, static_cast<uint16_t>(s.size()));
  if (ok()) out_->append(s);
}

void FieldWriter::address(const char* field, const std::string& a) {
  if (a.size() != 4 && a.size() != 16) return fail(field, "address of " + std::to_string(a.size()) + " bytes (not 4 or 16)");
  u8(field, static_cast<uint8_t>(a.size()));
  if (ok()) out_->append(a);
}

void FieldWriter::optional_u16(const char* field, const std::optional<uint16_t>& v) {
  u8(field, v ? 1 : 0);
  u16(field, v.value_or(0));
}

void FieldWriter::fail(const char* field, const std::string& what) {
  if (ok()) error_ = std::string(field) + ": " + what;
}

const char* FieldReader::take(const char* field, size_t n) {
  if (failed_) return nullptr;
  if (n > remaining()) {
    fail(WireErrorCode::Truncated, field, "needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
    return nullptr;
  }
  const char* p = data_.data() + pos_;
  pos_ += n;
  return p;
}

void FieldReader::u8(const char* field, uint8_t& v) {
  if (const char* p = take(field, 1)) v = static_cast<uint8_t>(*p);
}
void FieldReader::u16(const char* field, uint16_t& v) {
  if (const char* p = take(field, 2)) v = read_be<uint16_t>(p);
}
void FieldReader::u32(const char* field, uint32_t& v) {
  if (const char* p = take(field, 4)) v = read_be<uint32_t>(p);
}
void FieldReader::u64(const char* field, uint64_t& v) {
  if (const char* p = take(field, 8)) v = read_be<uint64_t>(p);
}

void FieldReader::string(const char* field, std::string& s, size_t max, Presence presence) {
  uint16_t len = 0;
  u16(field, len);
  if (failed_) return;
  if (len > max) return fail(WireErrorCode::OutOfBounds, field, "length " + std::to_string(len) + " > " + std::to_string(max));
  if (len == 0 && presence == Presence::Required) return fail(WireErrorCode::OutOfBounds, field, "empty");
  if (const char* p = take(field, len)) s.assign(p, len);
}

void FieldReader::address(const char* field, std::string& a) {
  uint8_t len = 0;
  u8(field, len);
  if (failed_) return;
  if (len != 4 && len != 16)
    return fail(WireErrorCode::OutOfBounds, field, "address length " + std::to_string(len) + " (not 4 or 16)");
  if (const char* p = take(field, len)) a.assign(p, len);
}

void FieldReader::optional_u16(const char* field, std::optional<uint16_t>& v) {
  uint8_t flags = 0;
  uint16_t value = 0;
  u8(field, flags);
  u16(field, value);
  if (failed_) return;
  if (flags > 1) return fail(WireErrorCode::OutOfBounds, field, "flags " + std::to_string(flags) + " (not 0 or 1)");
  if (flags == 0 && value != 0) return fail(WireErrorCode::OutOfBounds, field, "value " + std::to_string(value) + " when absent (must be 0)");
  v = flags ? std::optional<uint16_t>(value) : std::nullopt;
}

void FieldReader::end(const char* what) {
  if (!failed_ && remaining() > 0)
    fail(WireErrorCode::TrailingBytes, what, std::to_string(remaining()) + " bytes after the last field");
}

void FieldReader::fail(WireErrorCode code, const char* field, const std::string& what) {
  if (failed_) return;
  failed_ = true;
  error_.code = code;
  error_.detail.clear();
  if (list_field_ != nullptr) error_.detail = std::string(list_field_) + "[" + std::to_string(list_index_) + "].";
  error_.detail += std::string(field) + ": " + what;
}

}  // namespace tandem::sync
