#pragma once
// The checks of files a config names (certificates, CA bundles, the access
// log's directory), made when the file is loaded so `tandemd --check` finds
// a missing file before the daemon needs it. Internal to conf/.

#include <cstddef>
#include <string>
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

// Reads a secret (a pre-shared key) from `path`: an absolute path to a
// regular file of at most `max_bytes` bytes that neither group nor others
// may access (mode & 077 == 0). Messages start with the path ("PATH: cannot
// read: ...", "PATH: ... chmod 600 PATH"). The caller should wipe the
// returned text once decoded. Reads the file system; thread-safe.
base::Result<std::string> read_secret_file(std::string_view path, size_t max_bytes);

}  // namespace tandem::conf
