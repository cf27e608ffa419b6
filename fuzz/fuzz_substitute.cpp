// fuzz_substitute.cpp — libFuzzer harness for SQL-mode substitution (issue 11 item 4):
// input is PREFIX \x01 SUFFIX \x01 VALUE; the template PREFIX $v.data SUFFIX substituted
// with {"data": VALUE} (VALUE as JSON, or as a JSON string when it is not JSON) must keep
// the template's token structure, read by PostgreSQL's own scanner (libpg_query): see
// vm/tests/sql_token_property.hpp. A violation aborts with both statements printed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <rapidjson/document.h>

#include "json_text.hpp"
#include "sql_token_property.hpp"

namespace {

// Template text reaches substitution as PostgreSQL text: no NUL byte.
bool acceptable(const std::string& s) { return s.find('\0') == std::string::npos; }

std::string as_json_value(const std::string& text) {
  rapidjson::Document d;
  if (df::compiler::parse_json(text, d, nullptr)) return text;
  std::string json;
  df::compiler::append_json_string(json, text);
  return json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const std::size_t a = in.find('\x01');
  const std::size_t b = a == std::string::npos ? a : in.find('\x01', a + 1);
  if (b == std::string::npos) return 0;
  const std::string prefix = in.substr(0, a), suffix = in.substr(a + 1, b - a - 1);
  const std::string value = in.substr(b + 1);
  if (!acceptable(prefix) || !acceptable(suffix) || !acceptable(value)) return 0;
  auto outcome = df::vm::test::check_substitution(prefix, suffix, as_json_value(value));
  if (!outcome.holds) {
    std::fprintf(stderr, "substitution changed the statement's structure:\n%s\n",
                 outcome.explanation.c_str());
    std::abort();
  }
  return 0;
}
