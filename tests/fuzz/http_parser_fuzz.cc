// libFuzzer target for the HTTP/1.x parsers (http/): any bytes must give
// NeedMore, Done or an error with a reason, never a crash or a read past the
// input (ASan). The input is parsed
//  - as a request, in one piece and in two pieces (split at a point the
//    data chooses, the second feed from another copy so the buffer moves):
//    both must give the same result;
//  - as a response to GET or HEAD (the first byte chooses);
//  - what follows the request head (or everything) through ChunkedDecoder,
//    whole and in two pieces: both must consume the same bytes.
// Invariants on Done: head_size within the buffer and max_head, every view
// inside the buffer, at most max_headers fields, consistent framing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "http/chunked_decoder.h"
#include "http/request_parser.h"
#include "http/response_parser.h"

namespace {

using namespace tandem::http;

// Small limits, so that inputs reach them.
Limits fuzz_limits() {
  Limits l;
  l.max_head = 2048;
  l.max_line = 512;
  l.max_headers = 16;
  return l;
}

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view v, std::string_view buffer) {
  if (v.empty()) return true;
  const std::less_equal<const char*> le;
  return le(buffer.data(), v.data()) && le(v.data() + v.size(), buffer.data() + buffer.size());
}

void check_head(const MessageHead& h, std::string_view buffer, const Limits& limits) {
  check(h.head_size <= buffer.size() && h.head_size <= limits.max_head);
  check(h.headers.size() <= limits.max_headers);
  const std::string_view head = buffer.substr(0, h.head_size);
  check(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
  for (const std::string_view v : {h.method, h.target, h.reason, h.host, h.upgrade}) check(inside(v, head));
  for (const Header& f : h.headers) {
    check(!f.name.empty() && inside(f.name, head) && inside(f.value, head));
    check(f.name.find(':') == std::string_view::npos);
  }
  check(h.version_minor == 0 || h.version_minor == 1);
  check(h.body != BodyKind::Length || h.content_length <= (uint64_t{1} << 53));
  check(h.body == BodyKind::Length || h.content_length == 0);
  check(!(h.keep_alive && h.connection_close));
}

// Everything compared between the one-piece and two-piece parses.
std::string outcome(const RequestParser& p, ParseStatus s) {
  if (s == ParseStatus::NeedMore) return "more";
  if (s == ParseStatus::Error) return std::string("error ") + to_string(p.error());
  const MessageHead& h = p.head();
  std::string out = std::string(h.method) + ' ' + std::string(h.target) + ' ' + std::to_string(h.head_size) + ' ' +
                    std::to_string(static_cast<int>(h.body)) + ' ' + std::to_string(h.content_length) + ' ' +
                    std::to_string(h.keep_alive) + std::to_string(h.expect_continue) + std::string(h.host);
  for (const Header& f : h.headers) out += '|' + std::string(f.name) + ':' + std::string(f.value);
  return out;
}

// Returns the number of bytes of the request head when Done, else 0.
size_t fuzz_request(const std::string& input, size_t split, const Limits& limits) {
  RequestParser whole(limits);
  const ParseStatus s = whole.feed(input);
  if (s == ParseStatus::Done) check_head(whole.head(), input, limits);
  if (s == ParseStatus::Error) check(whole.error() != ParseError::None);
  if (s == ParseStatus::NeedMore) check(input.size() <= limits.max_head);

  RequestParser pieces(limits);
  const std::string first = input.substr(0, split);
  ParseStatus t = pieces.feed(first);
  std::string_view buffer = first;
  const std::string moved = input;  // another copy: the buffer moves
  if (t == ParseStatus::NeedMore) {
    t = pieces.feed(moved);
    buffer = moved;
  }
  if (t == ParseStatus::Done) check_head(pieces.head(), buffer, limits);
  check(outcome(pieces, t) == outcome(whole, s));
  return s == ParseStatus::Done ? whole.head().head_size : 0;
}

void fuzz_response(const std::string& input, const Limits& limits) {
  ResponseParser p(limits);
  const std::string_view method = (input[0] & 1) ? "HEAD" : "GET";
  const ParseStatus s = p.feed(input, method);
  if (s == ParseStatus::Done) {
    check_head(p.head(), input, limits);
    check(p.head().status >= 100 && p.head().status <= 599 && p.head().method.empty());
    if (method == "HEAD") check(p.head().body == BodyKind::None);
  }
  if (s == ParseStatus::Error) check(p.error() != ParseError::None);
}

void fuzz_chunked(std::string_view body, size_t split, const Limits& limits) {
  ChunkedDecoder whole(limits);
  const ChunkedDecoder::Step a = whole.consume(body);
  check(a.consumed <= body.size());
  check(a.done || a.error != ParseError::None || a.consumed == body.size());
  check(!(a.done && a.error != ParseError::None));
  check(whole.payload_bytes() <= a.consumed);

  ChunkedDecoder pieces(limits);
  split = std::min(split, body.size());
  const ChunkedDecoder::Step b1 = pieces.consume(body.substr(0, split));
  size_t consumed = b1.consumed;
  ChunkedDecoder::Step b2 = b1;
  if (!b1.done && b1.error == ParseError::None) {
    b2 = pieces.consume(body.substr(split));
    consumed += b2.consumed;
  }
  check(consumed == a.consumed && b2.done == a.done && b2.error == a.error);
  check(pieces.payload_bytes() == whole.payload_bytes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // An exact-size copy, so that ASan catches any over-read.
  const std::string input(reinterpret_cast<const char*>(data), size);
  const Limits limits = fuzz_limits();
  const size_t split = (size_t{data[0]} * 257 + data[size - 1]) % (size + 1);

  const size_t head = fuzz_request(input, split, limits);
  fuzz_response(input, limits);
  const std::string body = input.substr(head);  // exact-size copy again
  fuzz_chunked(body, split, limits);
  return 0;
}
