#include "base/openssl_error.h"

#include <openssl/err.h>

namespace tandem::base {

std::string take_openssl_error(ErrorEnd end) {
  unsigned long e = end == ErrorEnd::First ? ERR_peek_error() : ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string text = reason != nullptr ? reason
                     : e != 0          ? "OpenSSL error " + std::to_string(ERR_GET_REASON(e))
                                       : "OpenSSL error";
  ERR_clear_error();
  return text;
}

}  // namespace tandem::base
