#pragma once
// The first line of an HTTP/1.x message (RFC 9112 3 and 4): the request
// line of a request, the status line of a response. Internal to http/.
//
// Each function validates a whole line (without its CRLF) and, when `out`
// is not null, fills the start-line members of *out (views into `line`).
// The head scanner calls it with nullptr as soon as the line is complete;
// the parser calls it again with its head once the whole head is in.
//
// Threading: pure functions; any thread.

#include <string_view>

#include "http/message_head.h"

namespace tandem::http {

// request-line = method SP request-target SP HTTP-version, one SP each.
//   BadRequestLine: not three parts separated by single spaces, or a
//                   version that is not of the form HTTP/DIGIT.DIGIT;
//   BadMethod:      the method is not a token;
//   BadTarget:      an empty target, or a byte outside 0x21-0x7E;
//   BadVersion:     HTTP/x.y other than 1.0 and 1.1.
ParseError parse_request_line(std::string_view line, MessageHead* out);

// status-line = HTTP-version SP 3DIGIT SP reason-phrase. Decision: the SP
// before an empty reason may be missing ("HTTP/1.1 204"), as several
// servers send it that way and it is not ambiguous.
//   BadStatusLine: any other shape, a code outside 100-599, or a reason
//                  with a control byte;
//   BadVersion:    HTTP/x.y other than 1.0 and 1.1.
ParseError parse_status_line(std::string_view line, MessageHead* out);

}  // namespace tandem::http
