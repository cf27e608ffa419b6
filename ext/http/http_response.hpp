// http_response.hpp — the response side of an HTTP step (docs/reference.md §8.3, §16):
// the body decoded as text (charset honoured) or base64, the §8.3 envelope, raw header
// lines, and the text of a failing status. PostgreSQL-free and libcurl-free, unit-tested
// in ext/tests/test_http_policy.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace df::ext::http {

// --- responses ----------------------------------------------------------------------
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string lossy_utf8(std::string_view s);
bool is_textual_content_type(std::string_view content_type);

struct Body {
  std::string text;   // UTF-8 text or base64
  bool base64 = false;
};
// §16: a declared textual Content-Type is decoded as text (charset honoured, invalid
// sequences replaced); otherwise valid UTF-8 without NUL is text, anything else base64.
// A decoded text containing NUL is sent as base64 too (jsonb cannot store \u0000).
Body classify_body(std::string_view bytes, std::string_view content_type);

struct Response {
  long status = 0;
  std::string body;   // raw bytes
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  long duration_ms = 0;
};
// The content-type header value (last one wins), or "".
std::string content_type_of(const Response& r);
// §8.3 envelope, compact JSON in the documented key order; header names lower-cased,
// sorted, the last of repeated headers wins, non-UTF-8 values dropped.
std::string envelope_json(const Response& r);
// One raw header line of a response: ("Name", "value") with the value trimmed; nullopt
// for the status line, the blank line and malformed lines.
std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line);
bool is_status_line(std::string_view line);

// §16 5xx text: HTTP <METHOD> <url> returned <code>: <first 512 bytes of body, "…" if cut>.
std::string status_error(std::string_view method, std::string_view url, long status,
                         std::string_view body);

}  // namespace df::ext::http
