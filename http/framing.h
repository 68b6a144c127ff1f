#pragma once
// The fields that frame a message and manage its connection, read the same
// way for requests and responses (RFC 9112 6.1-6.3, 9.3, 9.6; RFC 9110 7.6.1).
// Internal to http/: each parser adds its own rules (Host, Expect; the
// response's bodiless statuses) on top.
//
// Threading: pure functions; any thread.

#include <cstdint>

#include "http/message_head.h"

namespace tandem::http {

// Largest Content-Length accepted: 2^53, what every JSON number, and so
// every log or tool downstream, represents exactly.
inline constexpr uint64_t kMaxContentLength = uint64_t{1} << 53;

struct Framing {
  bool chunked = false;     // Transfer-Encoding: chunked
  bool has_length = false;  // Content-Length present (then not chunked)
  uint64_t length = 0;
};

// Reads every Content-Length and Transfer-Encoding field of `head` (its
// headers and version_minor already set). Refused, in this order:
//   ContentLengthWithTransferEncoding: both present;
//   TransferEncodingInHttp10:          Transfer-Encoding in HTTP/1.0;
//   BadTransferEncoding:  the codings of all TE fields together are not
//                         exactly one "chunked" (case-insensitive);
//   BadContentLength:     an element that is not 1*DIGIT, or over 2^53;
//   ConflictingContentLength: elements with different values ("5, 5" and
//                         repeated identical fields are one value).
ParseError read_framing(const MessageHead& head, Framing& out);

// Sets connection_close, connection_upgrade and keep_alive from the tokens
// of every Connection field (case-insensitive, comma lists) and the version:
// keep_alive = !close && (HTTP/1.1 || "keep-alive"). Sets upgrade to the
// first non-empty Upgrade field value.
void read_connection(MessageHead& head);

}  // namespace tandem::http
