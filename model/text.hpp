// text.hpp — the byte-level text rules every layer shares (compiler/, vm/ and ext/ use
// these, never a copy): UTF-8 well-formedness as PostgreSQL and RFC 3629 define it, and
// lowercasing of protocol words (URL schemes, hosts, header names, cron names, modes).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace df::compiler {

// Length of the well-formed UTF-8 sequence at s[i] (1 to 4), or 0 when it is malformed:
// truncated, a stray continuation byte, an overlong form, a surrogate or a code point
// above U+10FFFF. NUL counts as a one-byte sequence; callers that refuse it check it.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// True when all of s is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

// s with every byte passed through std::tolower (ASCII letters in the C and UTF-8
// locales the server runs in); for comparing words case-insensitively.
std::string to_lower(std::string_view s);

// Every run of ASCII whitespace (space, tab, CR, LF, FF) becomes one space, leading ones
// dropped, so multi-line source is quoted on one line (messages, diff outlines).
std::string collapse_whitespace(std::string_view s);

}  // namespace df::compiler
