// http_request.hpp — the request side of an HTTP step (docs/reference.md §16): reading
// the node config after substitution (method, headers, body, multipart parts), header
// and media-type checks, and the header lines handed to libcurl (multipart data is
// base64, http_base64.hpp). PostgreSQL-free
// and libcurl-free, unit-tested in ext/tests/test_http_policy.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace df::ext::http {

// --- the step config ----------------------------------------------------------------
struct Part {
  std::string name;
  std::string data;                        // decoded bytes
  std::optional<std::string> filename;
  std::optional<std::string> content_type;
};

struct RequestConfig {
  std::string url;
  std::string method;                      // upper-case
  std::optional<std::string> body;         // HTTP only
  std::vector<std::pair<std::string, std::string>> headers;  // string-valued only
  int timeout_seconds = 30;
  std::vector<Part> parts;                 // multipart only
};

// Reads the node config after substitution; errors are the node's error text.
std::optional<RequestConfig> parse_config(std::string_view json, bool multipart, std::string* error);
// A header name must be an RFC 9110 token; a value must not contain CR, LF or NUL.
std::optional<std::string> check_header(std::string_view name, std::string_view value);
// type/subtype[; param=value]... (RFC 9110 media type).
bool valid_media_type(std::string_view content_type);


// --- requests -----------------------------------------------------------------------
// The header lines handed to libcurl: the user's string-valued headers (a multipart
// Content-Type dropped), a default User-Agent and the Idempotency-Key unless the user
// gave them, and the suppression of what libcurl would add on its own (a form
// Content-Type for a plain body, Expect: 100-continue). Error on an unsafe header.
std::optional<std::vector<std::string>> request_header_lines(const RequestConfig& config,
                                                             bool multipart,
                                                             std::string_view user_agent,
                                                             std::string_view idempotency_key,
                                                             std::string* error);

}  // namespace df::ext::http
