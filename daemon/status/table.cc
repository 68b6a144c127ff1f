#include "daemon/status/table.h"

#include <cassert>
#include <cmath>
#include <cstdio>

#include "daemon/status/json.h"
#include "daemon/status/utf8.h"

namespace tandem::status {

namespace {

// "12.3"; "" for NaN and infinities (which the caller shows as null).
std::string decimal_text(const Cell::Decimal& d) {
  if (!std::isfinite(d.value)) return "";
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", d.places, d.value);
  return buf;
}

std::string cell_text(const Cell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "-"; }
    std::string operator()(const std::string& s) const {
      if (s.empty()) return "-";
      std::string out = s;
      for (char& c : out) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) c = '?';
      }
      return out;
    }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(uint64_t v) const { return std::to_string(v); }
    std::string operator()(bool b) const { return b ? "yes" : "no"; }
    std::string operator()(const Cell::Decimal& d) const {
      std::string t = decimal_text(d);
      return t.empty() ? "-" : t;
    }
  };
  return std::visit(Visitor{}, cell.variant());
}

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

void pad(std::string& out, size_t n) { out.append(n, ' '); }

}  // namespace

void Table::add_row(std::vector<Cell> cells) {
  assert(cells.size() == columns_.size());
  cells.resize(columns_.size(), Cell::null());
  rows_.push_back(std::move(cells));
}

std::string Table::to_text() const {
  const size_t ncols = columns_.size();
  // Render every cell once; measure; then lay out.
  std::vector<std::vector<std::string>> text(rows_.size() + 1);
  std::vector<size_t> width(ncols, 0);
  std::vector<bool> numeric(ncols, true);
  std::vector<bool> seen_value(ncols, false);
  for (size_t c = 0; c < ncols; ++c) {
    text[0].push_back(upper(columns_[c]));
    width[c] = display_width(text[0][c]);
  }
  for (size_t r = 0; r < rows_.size(); ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      const Cell& cell = rows_[r][c];
      if (!cell.is_null()) {
        seen_value[c] = true;
        if (!cell.is_number()) numeric[c] = false;
      }
      text[r + 1].push_back(cell_text(cell));
      width[c] = std::max(width[c], display_width(text[r + 1][c]));
    }
  }
  std::string out;
  for (const auto& line : text) {
    std::string row;
    for (size_t c = 0; c < ncols; ++c) {
      const bool right = numeric[c] && seen_value[c];
      const size_t fill = width[c] - display_width(line[c]);
      if (c > 0) row += "  ";
      if (right) pad(row, fill);
      row += line[c];
      if (!right && c + 1 < ncols) pad(row, fill);
    }
    out += row;
    out += '\n';
  }
  return out;
}

std::string Table::to_json() const {
  // Built by hand rather than with JsonWriter, which has no way to write a
  // decimal number.
  struct Visitor {
    std::string& out;
    void operator()(std::monostate) const { out += "null"; }
    void operator()(const std::string& s) const { append_json_string(out, s); }
    void operator()(int64_t v) const { out += std::to_string(v); }
    void operator()(uint64_t v) const { out += std::to_string(v); }
    void operator()(bool b) const { out += b ? "true" : "false"; }
    void operator()(const Cell::Decimal& d) const {
      std::string t = decimal_text(d);
      out += t.empty() ? "null" : t;
    }
  };
  std::string out = "[";
  for (size_t r = 0; r < rows_.size(); ++r) {
    if (r > 0) out += ',';
    out += '{';
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) out += ',';
      append_json_string(out, columns_[c]);
      out += ':';
      std::visit(Visitor{out}, rows_[r][c].variant());
    }
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace tandem::status
