// json_text.hpp — compact JSON text that matches serde_json byte for byte, plus the
// RapidJSON parse settings every reader of user JSON must use (iterative: hostile
// nesting cannot overflow the stack; UTF-8 validated: bad bytes are a parse error).
#pragma once
#include "no_postgres.hpp"

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <string>
#include <string_view>

namespace df::compiler {

// Parse flags for all user-supplied JSON. parse_json adds kParseNumbersAsStringsFlag and
// converts numbers itself (RapidJSON 1.1.0 crashes converting some long literals).
inline constexpr unsigned kJsonParseFlags = rapidjson::kParseIterativeFlag |
                                            rapidjson::kParseValidateEncodingFlag |
                                            rapidjson::kParseFullPrecisionFlag;

// Parses `text` into `doc`; false (and *error = RapidJSON's reason) when not JSON.
bool parse_json(std::string_view text, rapidjson::Document& doc, std::string* error);

// serde_json string escaping: `"` `\\` \b \f \n \r \t, other control characters as
// \u00xx (lowercase hex); `/` and non-ASCII are copied unchanged.
void append_json_string(std::string& out, std::string_view s);

// Compact text of a RapidJSON value. Object keys keep their order unless sort_keys
// (serde_json's Value map is a BTreeMap: bytewise key order, recursively). Integers are
// written as decimal, other numbers in shortest round-trip form with a `.0` when whole
// (as serde_json does). Throws CompileError beyond 512 levels of nesting.
void append_json_value(std::string& out, const rapidjson::Value& v, bool sort_keys = false);
std::string json_value_text(const rapidjson::Value& v, bool sort_keys = false);

// Re-emits JSON text compactly without building a DOM: key order, duplicate keys and
// number spellings exactly as in the input, strings re-escaped as serde_json does.
// Iterative (SAX), so nesting depth is not limited by the stack. False (and *error) when
// the text is not JSON.
bool compact_json(std::string_view text, std::string& out, std::string* error);

// The string content of a RapidJSON string value (embedded NULs kept).
inline std::string_view json_string_view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// serde-style name of a JSON value's kind for "invalid type" details:
// "integer `5`", "floating point `1.5`", "boolean `true`", "null", "map", "sequence",
// "string \"x\"".
std::string json_kind_description(const rapidjson::Value& v);

}  // namespace df::compiler
