#pragma once
// The parsed head of an HTTP/1.x message (RFC 9112): what the parsers fill
// and the HTTP session reads and rewrites. Every string_view points into the
// caller's receive buffer, which must stay unchanged while the head is used;
// nothing here allocates per message (the header array is reserved once per
// connection, up to Limits::max_headers).
//
// Threading: plain data, used on one worker's thread.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tandem::http {

// Bounds a peer cannot exceed (config keys of the same names, docs/config.md).
struct Limits {
  size_t max_head = 16 * 1024;   // request line/status line + fields + final CRLF
  size_t max_line = 8 * 1024;    // any one line of the head, CRLF included
  size_t max_headers = 100;      // field lines
};

// Why a head (or a chunked body) was refused. Each has one operator-facing
// text (to_string) and the status Tandem answers a client with (status_for).
enum class ParseError {
  None,
  HeadTooLarge,            // 431
  LineTooLong,             // 431: a field line (or a response's status line)
  RequestLineTooLong,      // 414: the request line over max_line
  TooManyHeaders,          // 431
  BadRequestLine,          // 400: not METHOD SP TARGET SP HTTP/1.x
  BadMethod,               // 400: not a token
  BadTarget,               // 400: empty, or bytes not allowed in a target
  BadVersion,              // 505: HTTP/x.y other than 1.0/1.1 (a malformed version is BadRequestLine)
  BadStatusLine,           // response: not HTTP/1.x SP 3DIGIT SP reason
  BadFieldName,            // 400: empty or not a token
  WhitespaceBeforeColon,   // 400 (RFC 9112 5.1)
  ObsFold,                 // 400: a field line starting with SP/HT (RFC 9112 5.2)
  BareCR,                  // 400: CR not followed by LF anywhere in the head
  BareLF,                  // 400: LF without CR (Tandem is strict: only CRLF)
  InvalidByte,             // 400: NUL or another control byte in a field value
  BadContentLength,        // 400: not 1*DIGIT, or too large
  ConflictingContentLength,// 400: two Content-Length values that differ
  ContentLengthWithTransferEncoding,  // 400 (RFC 9112 6.1: a smuggling sign)
  BadTransferEncoding,     // 400: not exactly "chunked" as the final and only coding
  TransferEncodingInHttp10,// 400: Transfer-Encoding on an HTTP/1.0 message
  MissingHost,             // 400: HTTP/1.1 request without exactly one Host; any request
                           //      with several, or one whose value is not host[:port]
  BadChunkSize,            // 400 (request) / 502 (response): chunk-size not hex, too big
  BadChunkFraming,         // 400/502: missing CRLF after chunk data, bad trailer
};

const char* to_string(ParseError e);
// The status Tandem answers a client with when its request has this error
// (400, or 414/431/505 as noted above; 500 for None, which is no error).
int status_for(ParseError e);

struct Header {
  std::string_view name;   // as received (compare with iequals)
  std::string_view value;  // leading and trailing SP/HT removed
};

// How the body of a message is delimited (RFC 9112 6.3).
enum class BodyKind {
  None,           // no body (requests without CL/TE; 1xx/204/304; HEAD responses)
  Length,         // Content-Length: exactly `content_length` bytes
  Chunked,        // Transfer-Encoding: chunked, ends with the last chunk + trailers
  UntilClose,     // responses only: read until the server closes
};

struct MessageHead {
  // Request: method and target; response: empty.
  std::string_view method;
  std::string_view target;
  // Response: status code and reason; request: 0 and empty.
  int status = 0;
  std::string_view reason;
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1

  std::vector<Header> headers;  // reserved once (Limits::max_headers); cleared per message

  BodyKind body = BodyKind::None;
  uint64_t content_length = 0;  // body == Length

  // From the Connection field and the version: whether the connection may
  // stay open after this message (HTTP/1.1 default yes, 1.0 only with
  // "keep-alive"), and the tokens seen.
  bool keep_alive = true;
  bool connection_close = false;
  bool connection_upgrade = false;  // "upgrade" token in Connection
  bool expect_continue = false;     // request: Expect: 100-continue
  std::string_view host;            // request: the Host field value (may be empty for 1.0)
  std::string_view upgrade;         // the Upgrade field value, if any

  size_t head_size = 0;  // bytes of the head in the buffer, final CRLF included

  // The first field with this name (case-insensitive), or nullptr.
  const Header* find(std::string_view name) const;
  // Whether `name` is hop-by-hop for this message: one of the fixed set
  // (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade) or
  // listed in a Connection field. Not in the set: Proxy-Authorization, and
  // Transfer-Encoding, since Tandem passes chunked bodies through unchanged
  // (the field must go along with the bytes it describes).
  bool is_hop_by_hop(std::string_view name) const;
  // Resets to an empty head, keeping the reserved header storage.
  void clear();
};

// Where parsing a head stands: more bytes needed, a whole valid head, or
// refused (and why: the parser's error()).
enum class ParseStatus { NeedMore, Done, Error };

// ASCII case-insensitive equality (field names, tokens).
bool iequals(std::string_view a, std::string_view b);

}  // namespace tandem::http
