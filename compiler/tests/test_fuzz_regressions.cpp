// test_fuzz_regressions.cpp — inputs the 10-minute fuzz runs found, kept as unit tests:
// byte escapes in E'' strings that do not form UTF-8, and JSON \u escapes of unpaired
// surrogates. Both used to produce invalid UTF-8 that broke the JSON round trip.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "compile.hpp"
#include "json_text.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {
bool has_error_containing(const CompileResult& r, const std::string& text) {
  for (const auto& d : r.diagnostics)
    if (d.severity == Severity::Error && d.message.find(text) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("E'' byte escapes must form valid UTF-8, as PostgreSQL requires") {
  CHECK(has_error_containing(compile("E'\\377'"), "invalid byte sequence for encoding \"UTF8\""));
  CHECK(has_error_containing(compile("E'a\\x80b'"), "invalid byte sequence"));
  CHECK(has_error_containing(compile("E'\\000'"), "invalid byte sequence"));
  CompileResult ok = compile("E'caf\\303\\251'");  // octal bytes of U+00E9
  REQUIRE_FALSE(has_errors(ok.diagnostics));
  CHECK(to_json(*ok.workflows.at(0).root) == "{\"node_type\":\"SQL\",\"query\":\"caf\xc3\xa9\"}");
}

TEST_CASE("JSON \\u escapes of unpaired surrogates are rejected; pairs and escaped backslashes are not") {
  rapidjson::Document doc;
  std::string error;
  CHECK_FALSE(parse_json("\"\\udc00\"", doc, &error));
  CHECK_FALSE(parse_json("\"\\ud83d x\"", doc, &error));
  CHECK_FALSE(parse_json("{\"q\":\"a\\udc00\"}", doc, &error));
  CHECK(parse_json("\"\\ud83d\\ude00\"", doc, &error));
  CHECK(parse_json("\"\\\\udc00\"", doc, &error));  // a backslash, then text
  std::string compact;
  CHECK_FALSE(compact_json("[\"\\udfff\"]", compact, &error));
}

TEST_CASE("a workflow whose query holds a lone surrogate escape round-trips as plain SQL") {
  const std::string text = "{\"node_type\":\"SLEEP\",\"query\":\"\\udbbb1\"}";
  df::ir::NodePtr node = parse_strict(text);  // not JSON for us: an SQL node with the text
  REQUIRE(node);
  const std::string json = to_json(*node);
  CHECK(to_json(*parse_strict(json)) == json);
}
