#pragma once
// The text of an OpenSSL failure for logs and config errors, taken from
// the thread's error queue, which is then emptied (a stale error would be
// taken for the next call's, SSL_get_error(3)).
//
// Threading: the calling thread's queue; any thread.

#include <string>

namespace tandem::base {

enum class ErrorEnd {
  First,  // the cause ("no start line"), for loading files
  Last,   // the layer that gave up ("no shared cipher"), for handshakes
};

// The reason of the first or last queued error ("OpenSSL error" when the
// queue holds none, or the reason has no text).
std::string take_openssl_error(ErrorEnd end);

}  // namespace tandem::base
