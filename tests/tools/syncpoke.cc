// syncpoke: a peer that holds the pair's key and then sends bytes that are
// not valid frames, so the e2e tests can check what the issue asks of the
// sync channel: "a corrupted or truncated frame closes the link and is
// counted, and the daemon goes on". (openssl s_client cannot be that peer:
// the link's PSK is derived from the key file, docs/sync.md section 10.)
//
//   syncpoke --config NODE.ini --connect HOST:PORT --send garbage|truncated
//
// Takes the key from the [sync] section of NODE.ini, completes the TLS
// handshake with HOST:PORT (an accepting node), then sends
//   garbage    "this is not a frame\n" (bad magic at the first byte), or
//   truncated  the first 5 bytes of a frame header, then closes its side;
// and reads what comes back until the peer closes (at most 5 s), printing
// each frame's type, and the GOODBYE's reason and text. Exit status 0 if the
// handshake succeeded and the peer closed the connection, 1 otherwise, 2 on
// usage errors.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/openssl_error.h"
#include "base/socket_address.h"
#include "base/unique_fd.h"
#include "conf/config.h"
#include "sync/frame_decoder.h"
#include "sync/psk_context.h"

using namespace tandem;

namespace {

int usage() {
  std::fprintf(stderr, "usage: syncpoke --config NODE.ini --connect HOST:PORT --send garbage|truncated\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, connect, send;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--config") config_path = argv[i + 1];
    else if (flag == "--connect") connect = argv[i + 1];
    else if (flag == "--send") send = argv[i + 1];
    else return usage();
  }
  signal(SIGPIPE, SIG_IGN);  // the peer closes while OpenSSL may still write an alert
  if (config_path.empty() || connect.empty() || (send != "garbage" && send != "truncated")) return usage();
  conf::LoadResult loaded = conf::load_config_file(config_path);
  if (!loaded.ok() || !loaded.config->sync.enabled) {
    std::fprintf(stderr, "syncpoke: %s: %s\n", config_path.c_str(),
                 loaded.ok() ? "no [sync] section" : loaded.errors[0].to_string().c_str());
    return 2;
  }
  auto address = base::SocketAddress::parse(connect);
  auto contexts = sync::make_psk_contexts(loaded.config->sync.key);
  if (!address || !contexts) return usage();

  base::UniqueFd fd(::socket(address->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{5, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd.get(), address->get(), address->size()) != 0) {
    std::printf("connect: %s\n", std::strerror(errno));
    return 1;
  }
  sync::SslPtr ssl(SSL_new(contexts->client.get()));
  SSL_set_fd(ssl.get(), fd.get());
  if (SSL_connect(ssl.get()) != 1) {
    std::printf("handshake failed: %s\n", base::take_openssl_error(base::ErrorEnd::Last).c_str());
    return 1;
  }
  std::printf("handshake: %s %s\n", SSL_get_version(ssl.get()), SSL_get_cipher_name(ssl.get()));
  const std::string bytes = send == "garbage" ? std::string("this is not a frame\n") : std::string("TS\x01\x04\x00", 5);
  if (SSL_write(ssl.get(), bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    std::printf("write failed\n");
    return 1;
  }
  if (send == "truncated") ::shutdown(fd.get(), SHUT_WR);  // the frame ends here
  sync::FrameDecoder decoder;
  char buf[16384];
  for (int reads = 0; reads < 1000; ++reads) {
    const int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) {
      // EOF, with or without close_notify ("unexpected eof" is an SSL error
      // in OpenSSL 3); a timeout is EAGAIN.
      const int error = SSL_get_error(ssl.get(), n);
      const bool timed_out = error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
      std::printf("%s\n", timed_out ? "timeout: the peer kept the connection open" : "closed by the peer");
      return timed_out ? 1 : 0;
    }
    decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
    sync::Frame frame;
    while (decoder.next(&frame) == sync::DecodeStatus::Frame) {
      std::printf("frame: %s\n", sync::to_string(sync::type_of(frame)));
      if (const auto* g = std::get_if<sync::Goodbye>(&frame))
        std::printf("goodbye: %s: %s\n", sync::to_string(g->reason), g->text.c_str());
    }
  }
  return 1;
}
