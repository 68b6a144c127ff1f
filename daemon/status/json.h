#pragma once
// A tiny JSON writer for status answers: compact output on one line (so a
// JSON answer is one body line of the status protocol), strings escaped per
// RFC 8259 (", \, control characters; malformed UTF-8 replaced by U+FFFD so
// the output is always valid JSON). No parser: nothing in Tandem reads JSON.
//
//   JsonWriter w;
//   w.begin_object();
//   w.key("pool"); w.value("app");
//   w.key("up"); w.value(true);
//   w.end_object();
//   w.str()  ->  {"pool":"app","up":true}
//
// Commas are placed automatically. The caller keeps begin/end balanced and
// calls key() before each value inside an object (a debug assert checks).
// A plain object; one thread at a time.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::status {

// Appends `s` as a JSON string literal (with the quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The next value's key; only inside an object.
  void key(std::string_view k);

  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(bool b);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  void value(T v) {
    if constexpr (std::is_signed_v<T>) {
      value_signed(static_cast<int64_t>(v));
    } else {
      value_unsigned(static_cast<uint64_t>(v));
    }
  }
  void null();

  // The text so far; complete once every begin_* has its end_*.
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void value_signed(int64_t v);
  void value_unsigned(uint64_t v);
  void before_value();

  std::string out_;
  // One entry per open container: true while it has no element yet.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace tandem::status
