// http_base64.hpp — standard base64 for HTTP steps: multipart `data_b64` parts are decoded
// (http_request), binary response bodies encoded (http_response). PostgreSQL-free.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace df::ext::http {

std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; ASCII whitespace anywhere is ignored.
std::optional<std::string> base64_decode(std::string_view text, std::string* error);

}  // namespace df::ext::http
