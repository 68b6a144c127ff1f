#pragma once
// UTF-8 checks for text that arrives from outside (status socket lines) and
// for text we align in tables. Pure functions; any thread.

#include <cstddef>
#include <string_view>

namespace tandem::status {

// True if `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). The empty string is valid.
bool is_valid_utf8(std::string_view s);

// The number of code points in `s`, used as its display width when aligning
// table columns (good enough for the names operators give things). Bytes of
// malformed sequences count one each.
size_t display_width(std::string_view s);

}  // namespace tandem::status
