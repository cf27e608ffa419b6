// test_wire_json.cpp — unit tests for the Durofut wire JSON (compiler/wire_json.hpp,
// json_text.hpp): field order, strict/ensure/explain readers and their error texts,
// hostile input (deep nesting, invalid UTF-8) and the JSON -> IR -> JSON round trip.
#include <doctest/doctest.h>

#include <functional>

#include "args.hpp"
#include "error_of.hpp"
#include "json_text.hpp"
#include "wire_json.hpp"

using namespace df::compiler;
using df::compiler::testing::error_of;
using df::ir::NodeType;

namespace {
const char* const kValidTypes =
    "Valid types: SQL, THEN, IF, JOIN, LOOP, BREAK, RACE, SLEEP, WAIT_SCHEDULE, HTTP, "
    "HTTP_MULTIPART, SIGNAL, RETRY, CATCH, UNDO";

// Workflows covering every node type and field; used by the round-trip property.
std::vector<std::string> sample_workflows() {
  return {
      R"({"node_type":"SQL","query":"SELECT 1"})",
      R"({"node_type":"SQL","query":"SELECT '\"q\"' \\ \n\t\u0001 é /","result_name":"a"})",
      R"({"node_type":"THEN","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SLEEP","query":"5"},"result_name":"t"})",
      R"({"node_type":"JOIN","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"},"extra_nodes":[{"node_type":"SQL","query":"c"},{"node_type":"RACE","left_node":{"node_type":"SQL","query":"d"},"right_node":{"node_type":"SIGNAL","query":"{\"signal_name\":\"s\",\"timeout_seconds\":null}"}}]})",
      R"({"node_type":"IF","left_node":{"node_type":"SQL","query":"t"},"right_node":{"node_type":"SQL","query":"e"},"condition_node":{"node_type":"SQL","query":"c"}})",
      R"({"node_type":"IF","left_node":{"node_type":"SQL","query":"t"},"right_node":{"node_type":"SQL","query":"e"},"query":"{\"condition_type\":\"result_has_rows\",\"result_name\":\"r\"}"})",
      R"({"node_type":"LOOP","left_node":{"node_type":"BREAK","query":"{\"break_value\":null}"},"condition_node":{"node_type":"SQL","query":"SELECT false"}})",
      R"({"node_type":"WAIT_SCHEDULE","query":"{\"cron_expr\":\"* * * * *\"}"})",
      R"({"node_type":"HTTP","query":"{\"url\":\"https://x\",\"method\":\"GET\",\"body\":null,\"headers\":null,\"timeout_seconds\":30}"})",
      R"({"node_type":"HTTP_MULTIPART","query":"{\"url\":\"https://x\",\"method\":\"POST\",\"parts\":[{}],\"headers\":null,\"timeout_seconds\":30}"})",
  };
}
}  // namespace

TEST_CASE("append_json_string escapes like serde_json") {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\b\f\n\r\t\x01\x1f\x7f/\xC3\xA9", 16));
  CHECK(out == "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xC3\xA9\"");
  std::string nul;
  append_json_string(nul, std::string("x\0y", 3));
  CHECK(nul == "\"x\\u0000y\"");
}

TEST_CASE("json_value_text keeps order, or sorts keys bytewise on request") {
  rapidjson::Document doc;
  REQUIRE(parse_json(R"({ "b" : 1, "a" : [ 2.50, -3, 1e2, null, false ], "B": {"y":1,"x":2} })",
                     doc, nullptr));
  CHECK(json_value_text(doc) == R"({"b":1,"a":[2.5,-3,100.0,null,false],"B":{"y":1,"x":2}})");
  CHECK(json_value_text(doc, true) == R"({"B":{"x":2,"y":1},"a":[2.5,-3,100.0,null,false],"b":1})");
  std::string err;
  CHECK(!parse_json("{\"a\":", doc, &err));
  CHECK(!err.empty());
}

TEST_CASE("to_json omits absent fields and empty extras") {
  df::ir::Node node(NodeType::Loop);
  node.left = make_sql("x");
  CHECK(to_json(node) == R"({"node_type":"LOOP","left_node":{"node_type":"SQL","query":"x"}})");
}

TEST_CASE("parse_strict: non-Durofut text becomes a verbatim SQL node") {
  for (const char* text : {"SELECT 1", R"({"a":1})", R"({"node_type":5})", "[1,2]", " 42 ",
                           R"({"node_type":"SQL","query":"x"} trailing)"}) {
    auto node = parse_strict(text);
    CHECK(node->type == NodeType::Sql);
    CHECK(*node->query == text);
  }
}

TEST_CASE("parse_strict: unknown node_type at the root") {
  CHECK(error_of([] { parse_strict(R"({"node_type":"NOT_A_NODE"})"); }) ==
        std::string("Invalid durable function: Unknown node_type 'NOT_A_NODE'. ") + kValidTypes);
  CHECK(error_of([] { parse_strict(R"({"node_type":"sql","query":"x"})"); })
            .find("Unknown node_type 'sql'") != std::string::npos);
}

TEST_CASE("parse_strict: malformed known types name the field") {
  const std::string prefix = "Invalid durable function: Malformed Durofut JSON with node_type ";
  CHECK(error_of([] {
          parse_strict(R"({"node_type":"IF","left_node":{"node_type":"SQL","query":"a"},"condition_node":"x"})");
        }) == prefix + "'IF': condition_node must be a Durofut JSON object");
  CHECK(error_of([] { parse_strict(R"({"node_type":"JOIN","extra_nodes":["a"]})"); }) ==
        prefix + "'JOIN': extra_nodes entries must be Durofut JSON objects");
  CHECK(error_of([] { parse_strict(R"({"node_type":"JOIN","extra_nodes":{}})"); }) ==
        prefix + "'JOIN': extra_nodes must be an array of Durofut JSON objects");
  CHECK(error_of([] { parse_strict(R"({"node_type":"THEN","left_node":[1]})"); }) ==
        prefix + "'THEN': left_node must be a Durofut JSON object");
  CHECK(error_of([] { parse_strict(R"({"node_type":"SLEEP","query":30})"); }) ==
        prefix + "'SLEEP': query: invalid type: integer `30`, expected a string");
  CHECK(error_of([] { parse_strict(R"({"node_type":"SQL","query":"a","query":"b"})"); }) ==
        prefix + "'SQL': duplicate field `query`");
}

TEST_CASE("parse_strict: a bad child is reported at its graph path") {
  CHECK(error_of([] {
          parse_strict(R"({"node_type":"IF","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"},"condition_node":{"foo":"bar"}})");
        }) == "Invalid durable function graph: root.condition_node: failed to deserialize "
              "Durofut child: missing field `node_type`");
  CHECK(error_of([] {
          parse_strict(R"({"node_type":"THEN","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"NOPE"}})");
        }) == std::string("Invalid durable function graph: root.right: Unknown node_type 'NOPE'. ") +
                  kValidTypes);
  CHECK(error_of([] {
          parse_strict(R"({"node_type":"JOIN","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"},"extra_nodes":[{"node_type":"LOOP","left_node":"x"}]})");
        }) == "Invalid durable function graph: root.extra_nodes[0]: failed to deserialize "
              "Durofut child: left_node must be a Durofut JSON object");
}

TEST_CASE("parse_strict: null fields count as absent, unknown keys are dropped") {
  auto node = parse_strict(R"({"node_type":"SQL","query":"x","left_node":null,"extra":{"a":1}})");
  CHECK(to_json(*node) == R"({"node_type":"SQL","query":"x"})");
}

TEST_CASE("ensure_node: rules 2-4 of the auto-wrap") {
  CHECK(ensure_node(R"({"node_type":"SLEEP","query":"1","junk":1})")->type == NodeType::Sleep);
  auto unknown = ensure_node(R"({"node_type":"NOT_A_NODE"})");
  CHECK(unknown->type == NodeType::Sql);
  CHECK(*unknown->query == R"({"node_type":"NOT_A_NODE"})");
  CHECK(*ensure_node("SELECT 1")->query == "SELECT 1");
  CHECK(*ensure_node(R"({"rows":[]})")->query == R"({"rows":[]})");
  CHECK(error_of([] { ensure_node(R"({"node_type":"THEN","left_node":"SELECT 1"})"); }) ==
        "Invalid Durofut JSON: failed to deserialize workflow step: left_node must be a Durofut "
        "JSON object");
  CHECK(error_of([] { ensure_node(R"({"node_type":"THEN","left_node":{"q":1}})"); }) ==
        "Invalid Durofut JSON: failed to deserialize workflow step: root.left: failed to "
        "deserialize Durofut child: missing field `node_type`");
}

TEST_CASE("parse_graph: explain's reader reports everything as a graph error") {
  CHECK(parse_graph("SELECT 1") == nullptr);
  CHECK(parse_graph(R"({"a":1})") == nullptr);
  CHECK(error_of([] { parse_graph(R"({"node_type":"NOT_A_NODE"})"); }) ==
        std::string("Invalid durable function graph: root: Unknown node_type 'NOT_A_NODE'. ") +
            kValidTypes);
  CHECK(parse_graph(R"({"node_type":"SQL","query":"x"})")->type == NodeType::Sql);
  CHECK(looks_like_durofut(R"({"node_type":"x"})"));
  CHECK(!looks_like_durofut("x"));
}

TEST_CASE("hostile input: deep nesting and invalid UTF-8 do not crash") {
  // 100,000 nested plain objects: valid JSON without node_type => verbatim SQL.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 100000; ++i) deep += "}";
  CHECK(parse_strict(deep)->type == NodeType::Sql);
  // 100,000 nested Durofut nodes: building stops below kMaxBuildDepth.
  std::string chain;
  for (int i = 0; i < 100000; ++i) chain += R"({"node_type":"LOOP","left_node":)";
  chain += R"({"node_type":"SQL","query":"x"})";
  for (int i = 0; i < 100000; ++i) chain += "}";
  auto root = parse_strict(chain);
  CHECK(df::ir::count_nodes(*root) == static_cast<std::size_t>(kMaxBuildDepth) + 1);
  // Unbalanced deep input is a parse error => verbatim text.
  CHECK(parse_strict(std::string(200000, '['))->type == NodeType::Sql);
  std::string bad_utf8 = "{\"node_type\":\"SQL\",\"query\":\"\xFF\xFE\"}";
  auto node = parse_strict(bad_utf8);
  CHECK(node->type == NodeType::Sql);
  CHECK(*node->query == bad_utf8);
}

TEST_CASE("round trip: to_json(parse_strict(to_json(x))) == to_json(x)") {
  for (const auto& text : sample_workflows()) {
    auto first = parse_strict(text);
    std::string once = to_json(*first);
    CHECK(once == text);  // our samples are already canonical
    CHECK(to_json(*parse_strict(once)) == once);
    CHECK(to_json(*ensure_node(once)) == once);
  }
}

TEST_CASE("compact_json keeps order and number spelling, re-escapes strings") {
  std::string out;
  REQUIRE(compact_json(" { \"b\" : 1.50 , \"a\" : [ 1e2 , -0 , \"\\u002f\\u0007\" , {} , [ ] ] , \"b\" : null } ",
                       out, nullptr));
  CHECK(out == R"({"b":1.50,"a":[1e2,-0,"/\u0007",{},[]],"b":null})");
  std::string err;
  std::string untouched = "keep";
  CHECK(!compact_json("{\"a\":}", untouched, &err));
  CHECK(untouched == "keep");
  CHECK(!err.empty());
  // Deep nesting is fine for the SAX path.
  std::string deep(50000, '[');
  deep += std::string(50000, ']');
  std::string deep_out;
  CHECK(compact_json(deep, deep_out, nullptr));
  CHECK(deep_out == deep);
}
