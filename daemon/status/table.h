#pragma once
// The answer of most `show` commands: named columns, typed cells, rows,
// rendered either for people or for programs.
//
//   Table t({"pool", "server", "weight", "up"});
//   t.add_row({"app", "be1", 10, true});
//   t.to_text():               t.to_json():
//     POOL  SERVER  WEIGHT  UP   [{"pool":"app","server":"be1","weight":10,"up":true}]
//     app   be1         10  yes
//
// Text: a header row with the column names in upper case, then one line per
// row; columns separated by two spaces; numeric columns right-aligned, others
// left-aligned; no trailing spaces, no blank lines. Booleans print yes/no,
// null cells and empty strings "-", control characters in strings '?', so a
// row is always one line with no empty field.
// JSON: one line, an array with one object per row, keys = column names
// (give them in snake_case), values typed (string, number, true/false, null).
// A decimal cell (Cell::decimal(12.345, 1)) prints "12.3" in both forms (a
// JSON number); a NaN or infinite one prints as null.
//
// A plain value; one thread at a time.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tandem::status {

// One typed cell. Implicit from strings, integers (signed or unsigned, any
// width), bool; Cell::null(), Cell::decimal().
class Cell {
 public:
  Cell(const char* s) : v_(std::string(s)) {}  // NOLINT: implicit on purpose
  Cell(std::string s) : v_(std::move(s)) {}     // NOLINT
  Cell(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Cell(bool b) : v_(b) {}  // NOLINT
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Cell(T v) : v_(widen(v)) {}  // NOLINT
  static Cell null() { return Cell(); }
  // A number with `places` digits after the point (0..9), e.g. a rate.
  static Cell decimal(double v, int places = 1) {
    Cell c;
    c.v_ = Decimal{v, places < 0 ? 0 : places > 9 ? 9 : places};
    return c;
  }

  struct Decimal {
    double value;
    int places;
  };

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_number() const {
    return std::holds_alternative<int64_t>(v_) || std::holds_alternative<uint64_t>(v_) ||
           std::holds_alternative<Decimal>(v_);
  }
  const auto& variant() const { return v_; }

 private:
  using Value = std::variant<std::monostate, std::string, int64_t, uint64_t, bool, Decimal>;
  Cell() = default;
  template <typename T>
  static Value widen(T v) {
    if constexpr (std::is_signed_v<T>) {
      return Value(std::in_place_type<int64_t>, static_cast<int64_t>(v));
    } else {
      return Value(std::in_place_type<uint64_t>, static_cast<uint64_t>(v));
    }
  }
  Value v_;
};

class Table {
 public:
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  // Adds a row. A row shorter than the column list is padded with nulls,
  // extra cells are dropped (both are caller bugs, caught by a debug assert).
  void add_row(std::vector<Cell> cells);

  size_t rows() const { return rows_.size(); }
  const std::vector<std::string>& columns() const { return columns_; }

  // The human form: lines ending in '\n' (the header even with no rows).
  std::string to_text() const;
  // The JSON form: one line without a trailing '\n'.
  std::string to_json() const;
  // to_json() if `json`, else to_text(): what a command handler answers.
  std::string render(bool json) const { return json ? to_json() : to_text(); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace tandem::status
