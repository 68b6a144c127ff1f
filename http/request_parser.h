#pragma once
// A strict, incremental parser of HTTP/1.x request heads (RFC 9112 sections
// 2-3, 5-6; RFC 9110 5.5-5.6 for field syntax). Strict means every
// construction that two implementations could read differently is refused
// (the request-smuggling list of docs/http.md): a request is either
// unambiguous or answered 400/431 and the connection closed.
//
// Incremental: feed() is called with the whole receive buffer each time
// more bytes arrive; it resumes scanning where it stopped (total work is
// linear in the head size) and never copies. Limits are checked while
// scanning, so a peer cannot make Tandem buffer more than Limits::max_head.
//
// Usage, per connection:
//   RequestParser p(limits);
//   on read:  switch (p.feed(buffer)) { NeedMore: read more; Done: use
//             p.head(); Error: answer status_for(p.error()) and close }
//   after the request (head and body) is consumed from the buffer: p.reset().
//
// Threading: one connection's, on its worker's thread.

#include <string_view>

#include "http/head_scanner.h"
#include "http/message_head.h"

namespace tandem::http {

class RequestParser {
 public:
  explicit RequestParser(const Limits& limits);

  // `buffer` starts at the first byte of the request (leading CRLFs of a
  // previous message are tolerated, RFC 9112 2.2, and counted in head_size)
  // and holds every byte received so far; it may be longer than the head
  // (pipelined requests, body bytes). It must be the same bytes (possibly
  // extended, possibly moved) as on the previous call since reset().
  ParseStatus feed(std::string_view buffer);

  // After Done: the head (views into the buffer passed to feed()).
  const MessageHead& head() const { return parse_.head(); }
  // After Error: why.
  ParseError error() const { return parse_.error(); }

  // Ready for the next request on the same connection.
  void reset() { parse_.reset(); }

 private:
  HeadParse parse_;
};

}  // namespace tandem::http
