#pragma once
// unique_ptr for C objects freed by a function: CPtr<SSL_CTX, SSL_CTX_free>,
// CPtr<nl_sock, nl_socket_free>. (STYLE habit 5)

#include <memory>

namespace tandem::base {

template <auto FreeFn>
struct CDeleter {
  template <typename T>
  void operator()(T* p) const {
    if (p) FreeFn(p);
  }
};

template <typename T, auto FreeFn>
using CPtr = std::unique_ptr<T, CDeleter<FreeFn>>;

}  // namespace tandem::base
