#pragma once
// The checks of files a config names (certificates, CA bundles, the access
// log's directory), made when the file is loaded so `tandemd --check` finds
// a missing file before the daemon needs it. Internal to conf/.

#include <string_view>

#include "base/result.h"

namespace tandem::conf {

// `path` is absolute and names a regular file this process can open for
// reading. Only regular files are opened (a device could act on open).
// Nothing is parsed. `what` names the file in messages ("certificate").
// Reads the file system; thread-safe.
base::Status check_readable_file(std::string_view path, std::string_view what);

// `path` is absolute, names no directory, and its directory exists (the
// file itself is created when first written). Reads the file system;
// thread-safe.
base::Status check_log_path(std::string_view path);

}  // namespace tandem::conf
