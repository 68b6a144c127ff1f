#include "base/socket_bio.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace tandem::base {

namespace {

int fd_of(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

int nosignal_write(BIO* bio, const char* data, size_t len, size_t* written) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(fd_of(bio), data, len, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  return 0;
}

int plain_read(BIO* bio, char* data, size_t len, size_t* got) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::recv(fd_of(bio), data, len, 0);
  if (n > 0) {
    *got = static_cast<size_t>(n);
    return 1;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(bio);
  if (n == 0) errno = 0;  // end of stream: SSL_ERROR_SYSCALL with errno 0 (or ZERO_RETURN after close_notify)
  return 0;
}

long control(BIO* bio, int cmd, long, void* ptr) {
  switch (cmd) {
    case BIO_C_SET_FD:
      BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(*static_cast<int*>(ptr))));
      BIO_set_init(bio, 1);
      return 1;
    case BIO_C_GET_FD:
      if (ptr != nullptr) *static_cast<int*>(ptr) = fd_of(bio);
      return fd_of(bio);
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      return 0;
  }
}

BIO_METHOD* method() {
  static BIO_METHOD* const m = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "tandem socket");
    if (made != nullptr) {
      BIO_meth_set_write_ex(made, nosignal_write);
      BIO_meth_set_read_ex(made, plain_read);
      BIO_meth_set_ctrl(made, control);
    }
    return made;
  }();
  return m;
}

}  // namespace

void attach_socket(SSL* ssl, int fd) {
  BIO* bio = method() != nullptr ? BIO_new(method()) : nullptr;
  if (bio == nullptr) {
    SSL_set_fd(ssl, fd);
    return;
  }
  BIO_set_fd(bio, fd, BIO_NOCLOSE);
  SSL_set_bio(ssl, bio, bio);
}

}  // namespace tandem::base
