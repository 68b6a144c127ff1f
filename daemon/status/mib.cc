#include "daemon/status/mib.h"

#include <algorithm>
#include <climits>
#include <cstdio>

namespace tandem::status {

const char* to_string(MibType type) {
  switch (type) {
    case MibType::Integer: return "INTEGER";
    case MibType::Gauge32: return "Gauge32";
    case MibType::Counter32: return "Counter32";
    case MibType::Counter64: return "Counter64";
    case MibType::TimeTicks: return "Timeticks";
    case MibType::OctetString: return "STRING";
    case MibType::ObjectIdentifier: return "OID";
  }
  return "?";
}

MibValue MibValue::integer(int64_t v) {
  v = std::clamp<int64_t>(v, INT32_MIN, INT32_MAX);
  return MibValue(MibType::Integer, static_cast<uint64_t>(v));
}

MibValue MibValue::gauge32(uint64_t v) { return MibValue(MibType::Gauge32, std::min<uint64_t>(v, UINT32_MAX)); }

MibValue MibValue::counter32(uint64_t v) { return MibValue(MibType::Counter32, v & UINT32_MAX); }

MibValue MibValue::counter64(uint64_t v) { return MibValue(MibType::Counter64, v); }

MibValue MibValue::timeticks(uint64_t hundredths) { return MibValue(MibType::TimeTicks, hundredths & UINT32_MAX); }

MibValue MibValue::string(std::string v) {
  MibValue out(MibType::OctetString, 0);
  out.text_ = std::move(v);
  return out;
}

MibValue MibValue::oid(Oid v) {
  MibValue out(MibType::ObjectIdentifier, 0);
  out.oid_ = std::move(v);
  return out;
}

namespace {

// isprint()/isspace() of the C locale, which is what net-snmp's tools use.
bool c_printable(unsigned char c) { return c >= 0x20 && c <= 0x7E; }
bool c_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool needs_hex(const std::string& s) {
  for (unsigned char c : s) {
    if (c == '\n' || c == '\r') return true;  // our deviation: keep one line per varbind
    if (!c_printable(c) && !c_space(c)) return true;
  }
  return false;
}

// net-snmp's sprint_realloc_hexstring(): "XX " per byte, except that each
// full group of 16 ends without a space, and a line break follows such a
// group when more bytes come after it.
std::string hex_string(const std::string& s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out = "Hex-STRING: ";
  size_t i = 0;
  size_t left = s.size();
  auto put = [&](unsigned char c) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  };
  for (; left >= 16; left -= 16) {
    for (int k = 0; k < 16; ++k) {
      put(static_cast<unsigned char>(s[i++]));
      if (k != 15) out += ' ';
    }
    if (left > 16) out += '\n';
  }
  for (; left > 0; --left) {
    put(static_cast<unsigned char>(s[i++]));
    out += ' ';
  }
  return out;
}

std::string quoted_string(const std::string& s) {
  std::string out = "STRING: \"";
  out.reserve(s.size() + 12);
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// net-snmp's uptimeString().
std::string timeticks_text(uint64_t ticks) {
  const unsigned centis = static_cast<unsigned>(ticks % 100);
  uint64_t secs = ticks / 100;
  const unsigned days = static_cast<unsigned>(secs / 86400);
  secs %= 86400;
  const unsigned hours = static_cast<unsigned>(secs / 3600);
  const unsigned minutes = static_cast<unsigned>(secs % 3600 / 60);
  const unsigned seconds = static_cast<unsigned>(secs % 60);
  char buf[96];
  if (days == 0) {
    snprintf(buf, sizeof buf, "(%llu) %u:%02u:%02u.%02u", static_cast<unsigned long long>(ticks), hours, minutes,
             seconds, centis);
  } else {
    snprintf(buf, sizeof buf, "(%llu) %u %s, %u:%02u:%02u.%02u", static_cast<unsigned long long>(ticks), days,
             days == 1 ? "day" : "days", hours, minutes, seconds, centis);
  }
  return buf;
}

}  // namespace

std::string MibValue::format() const {
  switch (type_) {
    case MibType::Integer: return "INTEGER: " + std::to_string(as_signed());
    case MibType::Gauge32: return "Gauge32: " + std::to_string(number_);
    case MibType::Counter32: return "Counter32: " + std::to_string(number_);
    case MibType::Counter64: return "Counter64: " + std::to_string(number_);
    case MibType::TimeTicks: return "Timeticks: " + timeticks_text(number_);
    case MibType::OctetString:
      if (text_.empty()) return "\"\"";
      return needs_hex(text_) ? hex_string(text_) : quoted_string(text_);
    case MibType::ObjectIdentifier: return "OID: " + oid_.to_string();
  }
  return "";
}

std::string format_varbind(const Oid& oid, const MibValue& value) { return oid.to_string() + " = " + value.format(); }

std::string format_no_such_object(const Oid& oid) {
  return oid.to_string() + " = No Such Object available on this agent at this OID";
}

std::string format_end_of_mib(const Oid& oid) {
  return oid.to_string() + " = No more variables left in this MIB View (It is past the end of the MIB tree)";
}

void MibView::add(Oid oid, MibValue value) {
  if (sorted_ && !entries_.empty() && !(entries_.back().oid < oid)) sorted_ = false;
  entries_.push_back(MibEntry{std::move(oid), std::move(value)});
}

void MibView::ensure_sorted() const {
  if (sorted_) return;
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const MibEntry& a, const MibEntry& b) { return a.oid < b.oid; });
  // Keep the last of each run of equal OIDs: a later add() replaces.
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i + 1 < entries_.size() && entries_[i + 1].oid == entries_[i].oid) continue;
    if (out != i) entries_[out] = std::move(entries_[i]);
    ++out;
  }
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(out), entries_.end());
  sorted_ = true;
}

size_t MibView::size() const {
  ensure_sorted();
  return entries_.size();
}

std::span<const MibEntry> MibView::entries() const {
  ensure_sorted();
  return entries_;
}

const MibEntry* MibView::get(const Oid& oid) const {
  ensure_sorted();
  auto it = std::lower_bound(entries_.begin(), entries_.end(), oid,
                             [](const MibEntry& e, const Oid& o) { return e.oid < o; });
  return it != entries_.end() && it->oid == oid ? &*it : nullptr;
}

const MibEntry* MibView::next(const Oid& oid) const {
  ensure_sorted();
  auto it = std::upper_bound(entries_.begin(), entries_.end(), oid,
                             [](const Oid& o, const MibEntry& e) { return o < e.oid; });
  return it != entries_.end() ? &*it : nullptr;
}

std::span<const MibEntry> MibView::subtree(const Oid& root) const {
  ensure_sorted();
  auto first = std::lower_bound(entries_.begin(), entries_.end(), root,
                                [](const MibEntry& e, const Oid& o) { return e.oid < o; });
  auto last = first;
  while (last != entries_.end() && root.is_prefix_of(last->oid)) ++last;
  return std::span<const MibEntry>(entries_.data() + (first - entries_.begin()), static_cast<size_t>(last - first));
}

std::string MibView::get_line(const Oid& oid) const {
  const MibEntry* e = get(oid);
  return e ? format_varbind(e->oid, e->value) : format_no_such_object(oid);
}

std::string MibView::next_line(const Oid& oid) const {
  const MibEntry* e = next(oid);
  return e ? format_varbind(e->oid, e->value) : format_end_of_mib(oid);
}

void MibView::walk_lines(const Oid& root, std::string& out) const {
  const auto entries = subtree(root);
  if (entries.empty()) {
    out += format_no_such_object(root);
    out += '\n';
    return;
  }
  for (const MibEntry& e : entries) {
    out += format_varbind(e.oid, e.value);
    out += '\n';
  }
}

}  // namespace tandem::status
