#pragma once
// The byte stream to one peer: a non-blocking socket, with or without TLS
// over it. Sessions read and write through it the same way either way; TLS
// changes only which socket event an operation waits for (a TLS read may
// need the socket writable, a write readable) and adds plaintext that OpenSSL
// holds already, which no socket event announces (buffered()).
//
// The TLS handshake is not a separate step: the first read() drives it (the
// SSL object is in accept or connect state), so a handshake is as
// non-blocking as any read, and a failure is a read error (errno EPROTO,
// tls_error() says why).
//
// Threading: one thread at a time (a session's worker).

#include <sys/types.h>
#include <sys/uio.h>

#include <openssl/ssl.h>

#include <string>

#include "base/c_ptr.h"
#include "base/unique_fd.h"

namespace tandem::proxy {

// Frees a TLS connection, keeping its session resumable. OpenSSL drops a
// session from its cache when its connection is freed without close_notify
// sent, unless told the shutdown is done; a connection that simply closes
// (most clients, Tandem's health probes) still leaves a resumable session.
// After a fatal error the handshake is no longer finished and OpenSSL has
// dropped the session itself (with its alert): nothing is kept then.
void free_keeping_session(SSL* ssl);

class Stream {
 public:
  Stream() = default;
  explicit Stream(base::UniqueFd fd) : fd_(std::move(fd)) {}

  // Puts TLS over the socket: `ssl` (owned from now on, set to accept or
  // connect state by the caller) gets the fd.
  void use_tls(SSL* ssl);

  int fd() const { return fd_.get(); }
  explicit operator bool() const { return static_cast<bool>(fd_); }
  bool tls() const { return ssl_ != nullptr; }
  SSL* ssl() const { return ssl_.get(); }
  // Closes the connection (without close_notify: for errors and aborts).
  void reset();

  // Like recv(2): > 0 bytes read; 0 at the end of the stream (TLS: close_notify
  // or the peer's close); -1 with errno, EAGAIN when it would block.
  ssize_t read(char* buf, size_t len);
  // Like sendmsg(2) over 1 or 2 buffers, never raising SIGPIPE. With TLS,
  // small buffers are coalesced into one record.
  ssize_t write(const iovec* iov, int count);
  // Half-close: TLS close_notify, then shutdown(SHUT_WR).
  void shutdown_write();
  // TLS: sends close_notify (not waiting for the peer's); nothing without
  // TLS or after a fatal error. Before a close(2) that ends the stream.
  void send_close_notify();

  // The socket events to wait for when the owner wants to read and/or write.
  int events(bool want_read, bool want_write) const;
  // Whether the socket events `revents` let a read / a write proceed.
  bool can_read(int revents) const;
  bool can_write(int revents) const;
  // TLS plaintext decrypted and not yet read: read() returns it without a
  // socket event, so the owner must not wait for one.
  bool buffered() const { return ssl_ != nullptr && SSL_pending(ssl_.get()) > 0; }

  // TLS: the handshake has completed.
  bool handshake_done() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_.get()); }
  // TLS: a byte came from the peer (a connection that closes before
  // sending any is not a failed handshake, just a closed one).
  bool handshake_started() const {
    return ssl_ != nullptr && SSL_get_rbio(ssl_.get()) != nullptr && BIO_number_read(SSL_get_rbio(ssl_.get())) > 0;
  }
  // TLS: why the last read or write failed with EPROTO ("" otherwise).
  const std::string& tls_error() const { return tls_error_; }

 private:
  // Maps a failed SSL_read_ex/SSL_write_ex to recv-like semantics.
  ssize_t tls_result(bool reading);

  base::UniqueFd fd_;
  // Freed before the fd is closed (members go in reverse order).
  base::CPtr<SSL, free_keeping_session> ssl_;
  bool read_wants_write_ = false;  // the last SSL_read needed the socket writable
  bool write_wants_read_ = false;  // the last SSL_write needed the socket readable
  bool broken_ = false;            // a fatal TLS or socket error: no close_notify
  std::string tls_error_;
};

}  // namespace tandem::proxy
