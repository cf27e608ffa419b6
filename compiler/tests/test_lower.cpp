// test_lower.cpp — unit tests of lowering and compile(): the textual language produces
// exactly the wire JSON the SQL constructors produce (compared with the shared builders
// and with docs/reference.md §2 examples), and every argument, parameter and variable rule
// reports its error or warning with a position.
#include <doctest/doctest.h>

#include <string>

#include "args.hpp"
#include "compile.hpp"
#include "lower.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {

std::string json_of(const std::string& src) {
  CompileResult r = compile(src);
  std::string msgs;
  for (const auto& d : r.diagnostics) msgs += d.message + "\n";
  INFO(msgs);
  REQUIRE_FALSE(has_errors(r.diagnostics));  // validation warnings (e.g. break outside a loop) allowed
  REQUIRE(r.workflows.size() == 1);
  REQUIRE(r.workflows[0].root);
  return to_json(*r.workflows[0].root);
}

std::string first_error(const std::string& src) {
  CompileResult r = compile(src);
  for (const auto& d : r.diagnostics) {
    if (d.severity == Severity::Error) return d.message;
  }
  FAIL("expected an error for: " << src);
  return "";
}

std::string sql(const char* q) { return to_json(*make_sql(q)); }

}  // namespace

TEST_CASE("operators lower to REFERENCE §2 JSON") {
  CHECK(json_of("'SELECT 1' ~> 'SELECT 2'") ==
        R"({"node_type":"THEN","left_node":{"node_type":"SQL","query":"SELECT 1"},)"
        R"("right_node":{"node_type":"SQL","query":"SELECT 2"}})");
  CHECK(json_of("'a' & 'b'") == to_json(*make_join([] {
          std::vector<df::ir::NodePtr> v;
          v.push_back(make_sql("a"));
          v.push_back(make_sql("b"));
          return v;
        }())));
  CHECK(json_of("'a' | 'b'") == to_json(*make_race(make_sql("a"), make_sql("b"))));
  CHECK(json_of("'c' ?> 't' !> 'e'") ==
        to_json(*make_if(make_sql("c"), make_sql("t"), make_sql("e"))));
  CHECK(json_of("@> 'a'") == to_json(*make_loop(make_sql("a"), nullptr)));
  CHECK(json_of("'SELECT 1' |=> 'one'") == R"({"node_type":"SQL","query":"SELECT 1","result_name":"one"})");
}

TEST_CASE("functions lower like their operators; df. prefix optional") {
  CHECK(json_of("df.seq('a', 'b')") == json_of("'a' ~> 'b'"));
  CHECK(json_of("seq(b => 'b', a => 'a')") == json_of("'a' ~> 'b'"));
  CHECK(json_of("df.as('a', 'n')") == json_of("'a' |=> 'n'"));
  CHECK(json_of("df.join('a', 'b')") == json_of("'a' & 'b'"));
  CHECK(json_of("df.race('a', 'b')") == json_of("'a' | 'b'"));
  CHECK(json_of("df.if('c', 't', 'e')") == json_of("'c' ?> 't' !> 'e'"));
  CHECK(json_of("df.loop('a')") == json_of("@> 'a'"));
  CHECK(json_of("df.loop('a', NULL)") == json_of("@> 'a'"));
  CHECK(json_of("df.sql('x')") == sql("x"));
}

TEST_CASE("leaf functions go through the shared builders") {
  CHECK(json_of("df.join3('a', 'b', 'c')") == R"({"node_type":"JOIN","left_node":{"node_type":"SQL","query":"a"},)"
                                             R"("right_node":{"node_type":"SQL","query":"b"},)"
                                             R"("extra_nodes":[{"node_type":"SQL","query":"c"}]})");
  CHECK(json_of("df.if_rows('r', 't', 'e')") == to_json(*make_if_rows("r", make_sql("t"), make_sql("e"))));
  CHECK(json_of("df.loop('a', 'c')") == to_json(*make_loop(make_sql("a"), make_sql("c"))));
  CHECK(json_of("df.break()") == to_json(*make_break(std::nullopt)));
  CHECK(json_of("df.break('done')") == to_json(*make_break(std::string("done"))));
  CHECK(json_of("df.sleep(30)") == R"({"node_type":"SLEEP","query":"30"})");
  CHECK(json_of("df.sleep('30')") == json_of("df.sleep(30)"));  // unknown literal -> bigint
  CHECK(json_of("df.sleep(30::bigint)") == json_of("df.sleep(30)"));
  CHECK(json_of("df.wait_for_schedule('*/5 * * * *')") == to_json(*make_wait_for_schedule("*/5 * * * *")));
  CHECK(json_of("df.wait_for_signal('go')") == to_json(*make_wait_for_signal("go", std::nullopt)));
  CHECK(json_of("df.wait_for_signal('go', timeout_seconds => 10)") ==
        to_json(*make_wait_for_signal("go", 10)));
  CHECK(json_of("df.http('https://x.test/a')") ==
        to_json(*make_http("https://x.test/a", "POST", std::nullopt, std::nullopt, 30)));
  CHECK(json_of("df.http('https://x.test', 'get', headers => '{\"b\":1,\"a\":2}'::jsonb, timeout_seconds => 5)") ==
        to_json(*make_http("https://x.test", "get", std::nullopt, std::string("{\"b\":1,\"a\":2}"), 5)));
  CHECK(json_of("df.http_multipart('https://x.test', parts => '[{\"name\":\"f\"}]')") ==
        to_json(*make_http_multipart("https://x.test", "POST", std::string("[{\"name\":\"f\"}]"),
                                     std::nullopt, 30)));
}

TEST_CASE("string steps are auto-wrapped like the SQL composers do") {
  const std::string sleep = R"({"node_type":"SLEEP","query":"5"})";
  CHECK(json_of("'" + sleep + "' ~> 'x'") ==
        R"({"node_type":"THEN","left_node":{"node_type":"SLEEP","query":"5"},"right_node":{"node_type":"SQL","query":"x"}})");
  CHECK(json_of(R"('{"node_type":"NOPE"}' ~> 'x')") ==
        R"({"node_type":"THEN","left_node":{"node_type":"SQL","query":"{\"node_type\":\"NOPE\"}"},)"
        R"("right_node":{"node_type":"SQL","query":"x"}})");
  CHECK(first_error(R"('{"node_type":"THEN","left_node":"x"}' ~> 'y')")
            .find("Invalid Durofut JSON: failed to deserialize workflow step") == 0);
}

TEST_CASE("builder errors keep REFERENCE texts and point at the call") {
  CompileResult r = compile("'a' ~>\n  df.sleep(-1)");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message == "Sleep duration must be non-negative");
  CHECK(r.diagnostics[0].pos.line == 2);
  CHECK(r.diagnostics[0].pos.column == 3);
  CHECK(first_error("'a' |=> '1x'") ==
        "df.as: result name '1x' is not a valid identifier — must match [a-zA-Z_][a-zA-Z0-9_]*");
  CHECK(first_error("df.wait_for_signal('')") == "Signal name cannot be empty");
  CHECK(first_error("df.wait_for_schedule('61 * * * *')").find("Invalid cron expression '61 * * * *'") == 0);
  CHECK(first_error("df.http('ftp://x')") ==
        "Blocked: unsupported URL scheme 'ftp'. Only http and https are allowed.");
  CHECK(first_error("df.http_multipart('https://x')") == "parts is required and cannot be NULL");
}

TEST_CASE("argument binding errors") {
  CHECK(first_error("df.nope('a')") == "unknown function df.nope()");
  CHECK(first_error("df.sql('a', 'b')") == "df.sql() takes at most 1 argument");
  CHECK(first_error("df.seq('a', c => 'b')") == "df.seq() has no parameter named 'c'");
  CHECK(first_error("df.seq('a', a => 'b')") == "df.seq(): argument 'a' is given twice");
  CHECK(first_error("df.seq('a')") == "df.seq(): missing argument 'b'");
  CHECK(first_error("df.seq(a => 'a', 'b')") == "positional argument cannot follow named argument");
}

TEST_CASE("literal types follow SQL") {
  CHECK(first_error("df.seq(NULL, 'b')") ==
        "df.seq(): argument 'a' is NULL: df.seq is STRICT, so the expression would be NULL and could not start");
  CHECK(first_error("df.http('https://x', NULL)") == "df.http(): argument 'method' cannot be NULL");
  CHECK(first_error("df.sql(5)") == "df.sql(): argument 'query' must be a string literal, not `5`");
  CHECK(json_of("df.sql(5::text)") == sql("5"));
  CHECK(first_error("df.sleep(1.5)") == "df.sleep(): argument 'seconds' must be an integer (bigint), got `1.5`");
  CHECK(first_error("df.sleep('abc')").find("must be an integer (bigint)") != std::string::npos);
  CHECK(first_error("df.wait_for_signal('s', 3000000000)").find("(integer)") != std::string::npos);
  CHECK(first_error("df.http('https://x', headers => '{bad')").find("invalid input syntax for type json") !=
        std::string::npos);
  CHECK(first_error("df.http('https://x', headers => '{}'::text)") ==
        "df.http(): argument 'headers' must be a JSON string literal; `::text` does not fit here");
  CHECK(first_error("df.sql('a' ~> 'b')") ==
        "df.sql(): argument 'query' must be a string literal, not an expression");
  CHECK(first_error("'a' ~> 5") == "a workflow step must be a string, an operator expression or a df.* call, not `5`");
  CHECK(first_error("'a' ~> NULL").find("NULL is not a workflow step") == 0);
  CHECK(first_error("'a' |=> df.sql('x')").find("the right side of |=> must be a result name string") == 0);
}

TEST_CASE("graph validation runs on compiled workflows") {
  CompileResult r = compile("'a' ~>\n  df.break()");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].severity == Severity::Warning);
  CHECK(r.diagnostics[0].pos.line == 2);
  CHECK(r.workflows[0].root);
  CompileResult clean = compile("@> ('a' ~> df.break())");
  CHECK(clean.diagnostics.empty());
}

TEST_CASE("every error of a file is reported, in source order") {
  CompileResult r = compile("df.sleep(-1) ~> df.nope() ~> df.wait_for_signal('')");
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(r.diagnostics[0].message == "Sleep duration must be non-negative");
  CHECK(r.diagnostics[1].message == "unknown function df.nope()");
  CHECK(r.diagnostics[2].message == "Signal name cannot be empty");
  CHECK(r.diagnostics[1].pos.column == 17);
  CHECK_FALSE(r.workflows[0].root);
}

TEST_CASE("named workflows: params, defaults, variables") {
  CompileResult r = compile(
      "workflow a(days int = 7, region text, ok bool = false, cfg jsonb = '{}', n numeric = 1.5) {\n"
      "  'SELECT {days}, {region}, {ok}, {cfg}, {n}, {sys_instance_id}'\n"
      "}\n"
      "workflow b() { df.http('https://x/{sys_label}') }\n");
  CHECK(r.diagnostics.empty());
  REQUIRE(r.workflows.size() == 2);
  CHECK(r.workflows[0].name == "a");
  REQUIRE(r.workflows[0].params.size() == 5);
  CHECK(r.workflows[0].params[0].default_literal == std::optional<std::string>("7"));
  CHECK(r.workflows[0].params[3].default_literal == std::optional<std::string>("'{}'"));
  CHECK_FALSE(r.workflows[0].params[1].default_literal.has_value());
  CHECK(to_json(*r.workflows[0].root).find("{days}") != std::string::npos);  // never substituted
  CHECK(r.workflows[1].root);
}

TEST_CASE("parameter errors") {
  CHECK(first_error("workflow a(x int = 'a') { 'SELECT {x}' }") ==
        "default of parameter 'x' (int) must be an integer literal in int range, got 'a'");
  CHECK(first_error("workflow a(x int = 3000000000) { 'SELECT {x}' }").find("in int range") != std::string::npos);
  CHECK(json_of("workflow a(x bigint = 3000000000) { 'SELECT {x}' }").find("{x}") != std::string::npos);
  CHECK(first_error("workflow a(x bool = 1) { 'SELECT {x}' }").find("must be true or false") != std::string::npos);
  CHECK(first_error("workflow a(x text = 1) { 'SELECT {x}' }").find("must be a string literal") != std::string::npos);
  CHECK(first_error("workflow a(x jsonb = '{') { 'SELECT {x}' }").find("must be a JSON string literal") != std::string::npos);
  CHECK(first_error("workflow a(x numeric = 'a') { 'SELECT {x}' }").find("must be a number literal") != std::string::npos);
  CHECK(first_error("workflow a(x date) { 'SELECT {x}' }") ==
        "unknown type 'date' for parameter 'x': expected int, bigint, numeric, text, bool or jsonb");
  CHECK(first_error("workflow a(x int, x int) { 'SELECT {x}' }") == "duplicate parameter 'x'");
  CHECK(first_error("workflow a(sys_label text) { 'SELECT 1' }").find("is reserved") != std::string::npos);
  CHECK(first_error("workflow a() { 'x' } workflow a() { 'y' }") == "duplicate workflow 'a' (first defined at line 1)");
  CHECK(json_of("workflow a(x int = NULL) { 'SELECT {x}' }").find("{x}") != std::string::npos);
}

TEST_CASE("variable warnings in named workflows only") {
  CompileResult r = compile("workflow a(days int) {\n  'SELECT {day}' ~> '{\"k\": 1} {sys_label}'\n}");
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(r.diagnostics[0].severity == Severity::Warning);
  CHECK(r.diagnostics[0].pos.line == 1);
  CHECK(r.diagnostics[0].message == "parameter 'days' is never referenced as {days}");
  CHECK(r.diagnostics[1].message ==
        "{day} is not a parameter of workflow 'a'; it stays unsubstituted unless a variable 'day' is provided at start");
  CHECK(r.diagnostics[1].pos.line == 2);
  CHECK(r.workflows[0].root);  // warnings do not stop compilation
  CHECK(compile("'SELECT {anything}'").diagnostics.empty());
}

TEST_CASE("variable_references follows the §9 syntax") {
  CHECK(variable_references("a {x} {y_1} {1a} {\"j\": 1} {z") == std::vector<std::string>{"x", "y_1"});
  CHECK(variable_references("{a}{b}") == std::vector<std::string>{"a", "b"});
  CHECK(variable_references("no refs").empty());
  CHECK(is_param_type("jsonb"));
  CHECK_FALSE(is_param_type("date"));
}

TEST_CASE("a body that is one string is read like df.start's argument") {
  CHECK(json_of(R"('{"node_type":"SLEEP","query":"5"}')") == R"({"node_type":"SLEEP","query":"5"})");
  CHECK(first_error(R"('{"node_type":"NOPE"}')").find("Invalid durable function: Unknown node_type 'NOPE'") == 0);
  CHECK(json_of(R"('{"node_type":"NOPE"}' ~> 'x')").find(R"("query":"{\"node_type\":\"NOPE\"}")") !=
        std::string::npos);  // composers auto-wrap instead
  CHECK(json_of("'SELECT 1'") == sql("SELECT 1"));
  CompileResult r = compile("\n  'SELECT 1'");
  REQUIRE(r.workflows[0].root);
  CHECK(r.workflows[0].root->pos.line == 2);
}

TEST_CASE("more operator combinations keep SQL's meaning") {
  CHECK(json_of("'a' |=> 'x' |=> 'y'") == R"({"node_type":"SQL","query":"a","result_name":"y"})");
  CHECK(json_of("@> 'a' |=> 'n'") == to_json(*[] {
          auto l = make_loop(make_sql("a"), nullptr);
          set_result_name(*l, "n");
          return l;
        }()));
  CHECK(first_error("@> ('c' ?> 't')").find("`?>` without `!>`") == 0);
  CHECK(first_error("'a' ?> 'b' ?> 'c' !> 'd'").find("`?>` without `!>`") == 0);
}
