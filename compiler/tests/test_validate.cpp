// test_validate.cpp — unit tests for graph validation (compiler/validate.hpp): every
// error rule with a passing and a failing case, the warning rules, paths, positions and
// the validate_or_throw wording.
#include <doctest/doctest.h>

#include <functional>

#include "args.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

using namespace df::compiler;
using df::ir::NodeType;

namespace {

Diagnostics check(const std::string& json) { return validate(*parse_strict(json)); }

std::vector<std::string> errors(const Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.severity == Severity::Error) out.push_back(d.path + ": " + d.message);
  return out;
}

std::vector<std::string> warnings(const Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.severity == Severity::Warning) out.push_back(d.path + ": " + d.message);
  return out;
}

std::vector<std::string> errors_of(const std::string& json) { return errors(check(json)); }
std::vector<std::string> warnings_of(const std::string& json) { return warnings(check(json)); }

using Strings = std::vector<std::string>;

std::string sql(const std::string& q) { return R"({"node_type":"SQL","query":")" + q + R"("})"; }
std::string named_sql(const std::string& q, const std::string& n) {
  return R"({"node_type":"SQL","query":")" + q + R"(","result_name":")" + n + R"("})";
}
std::string then(const std::string& a, const std::string& b) {
  return R"({"node_type":"THEN","left_node":)" + a + R"(,"right_node":)" + b + "}";
}
std::string leaf(const std::string& type, const std::string& query_json_string) {
  return R"({"node_type":")" + type + R"(","query":)" + query_json_string + "}";
}

df::ir::NodePtr loop_chain(int loops) {
  auto node = make_sql("x");
  for (int i = 0; i < loops; ++i) node = make_loop(std::move(node), nullptr);
  return node;
}

}  // namespace

TEST_CASE("a well-formed workflow has no findings") {
  CHECK(check(then(named_sql("SELECT 1", "a"), sql("SELECT $a"))).empty());
  CHECK(validate(*make_if(make_sql("c"), make_sleep(0), make_wait_for_schedule("0 * * * *"))).empty());
}

TEST_CASE("depth: 256 levels pass, 257 fail once at the first too-deep node") {
  CHECK(errors(validate(*loop_chain(256))).empty());
  auto ds = validate(*loop_chain(257));
  REQUIRE(errors(ds).size() == 1);
  std::string path = "root";
  for (int i = 0; i < 257; ++i) path += ".left";
  CHECK(ds[0].path == path);
  CHECK(ds[0].message ==
        "Graph exceeds maximum nesting depth of 256. Simplify the workflow or break it into "
        "multiple instances.");
}

TEST_CASE("node count: 10,000 pass, 10,001 fail; a 1,001-branch JOIN is fine") {
  auto join_of = [](std::size_t branches) {
    std::vector<df::ir::NodePtr> bs;
    for (std::size_t i = 0; i < branches; ++i) bs.push_back(make_sql("SELECT 1"));
    return make_join(std::move(bs));
  };
  CHECK(errors(validate(*join_of(1001))).empty());
  CHECK(errors(validate(*join_of(9999))).empty());  // 9,999 branches + the JOIN
  CHECK(errors(validate(*join_of(10000))) ==
        Strings{"root: Workflow exceeds maximum node count of 10000. Simplify the workflow or "
                "break it into multiple instances."});
}

TEST_CASE("field placement: condition_node only on IF/LOOP, extra_nodes only on JOIN") {
  CHECK(errors_of(R"({"node_type":"THEN","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"condition_node":)" + sql("c") + "}") ==
        Strings{"root: condition_node is not valid for THEN nodes"});
  CHECK(errors_of(R"({"node_type":"RACE","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"extra_nodes":[)" + sql("c") + "]}") ==
        Strings{"root: extra_nodes is not valid for RACE nodes"});
  CHECK(errors_of(R"({"node_type":"LOOP","left_node":)" + sql("a") + R"(,"condition_node":)" +
                  sql("c") + "}").empty());
}

TEST_CASE("legacy embedding of condition_node / extra_nodes in query") {
  CHECK(errors_of(R"({"node_type":"IF","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"condition_node":)" + sql("c") + R"(,"query":"{\"condition_node\":\"x\"}"})") ==
        Strings{"root: condition_node in IF must be a first-class Durofut field, not embedded in query"});
  CHECK(errors_of(R"({"node_type":"JOIN","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"query":"{\"extra_nodes\":[]}"})") ==
        Strings{"root: extra_nodes in JOIN must be a first-class Durofut field, not embedded in query"});
  CHECK(errors_of(R"({"node_type":"JOIN","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"query":"{}"})").empty());
}

TEST_CASE("IF/LOOP/JOIN query must be a JSON config object") {
  auto loop_with = [](const std::string& q) {
    return R"({"node_type":"LOOP","left_node":)" + sql("a") + R"(,"query":)" + q + "}";
  };
  auto bad_json = errors_of(loop_with(R"("nope")"));
  REQUIRE(bad_json.size() == 1);
  CHECK(bad_json[0].rfind("root: query in LOOP must be valid JSON config: ", 0) == 0);
  CHECK(errors_of(loop_with(R"("[1]")")) ==
        Strings{"root: query in LOOP must be a JSON config object"});
  CHECK(errors_of(loop_with(R"("{\"note\":1}")")).empty());
}

TEST_CASE("structure: children and queries each type needs") {
  CHECK(errors_of(R"({"node_type":"THEN","left_node":)" + sql("a") + "}") ==
        Strings{"root: THEN node requires right_node"});
  CHECK(errors_of(R"({"node_type":"JOIN","right_node":)" + sql("a") + "}") ==
        Strings{"root: JOIN node requires left_node"});
  CHECK(errors_of(R"({"node_type":"SQL","query":"x","left_node":)" + sql("a") + "}") ==
        Strings{"root: left_node is not valid for SQL nodes"});
  CHECK(errors_of(R"({"node_type":"SLEEP"})") == Strings{"root: SLEEP node requires a query"});
  CHECK(errors_of(R"({"node_type":"LOOP","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") + "}") ==
        Strings{"root: right_node is not valid for LOOP nodes"});
  CHECK(errors_of(R"({"node_type":"RACE","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"query":"x"})") == Strings{"root: query is not valid for RACE nodes"});
  CHECK(errors_of(R"({"node_type":"IF","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") + "}") ==
        Strings{"root: IF node requires a condition_node or a result_has_rows query config"});
  CHECK(errors_of(R"({"node_type":"IF","left_node":)" + sql("a") + R"(,"right_node":)" + sql("b") +
                  R"(,"query":"{\"condition_type\":\"x\"}"})") ==
        Strings{"root: query in IF: unknown condition_type 'x' (expected result_has_rows)"});
}

TEST_CASE("result names must be identifiers") {
  CHECK(errors_of(named_sql("x", "1bad")) ==
        Strings{"root: result name '1bad' is not a valid identifier \xE2\x80\x94 must match "
                "[a-zA-Z_][a-zA-Z0-9_]*"});
  CHECK(errors_of(named_sql("x", "")) == Strings{"root: result name cannot be empty"});
  CHECK(errors_of(named_sql("x", "good_1")).empty());
}

TEST_CASE("sleep: non-negative whole seconds") {
  CHECK(errors_of(leaf("SLEEP", R"("-1")")) == Strings{"root: Sleep duration must be non-negative"});
  CHECK(errors_of(leaf("SLEEP", R"("abc")")) ==
        Strings{"root: SLEEP query must be a whole number of seconds, got 'abc'"});
  CHECK(errors_of(leaf("SLEEP", R"("0")")).empty());
}

TEST_CASE("signal: non-empty name, positive timeout") {
  CHECK(errors_of(leaf("SIGNAL", R"("{\"signal_name\":\"\",\"timeout_seconds\":null}")")) ==
        Strings{"root: Signal name cannot be empty"});
  CHECK(errors_of(leaf("SIGNAL", R"("{\"signal_name\":\"s\",\"timeout_seconds\":0}")")) ==
        Strings{"root: Timeout must be positive"});
  CHECK(errors_of(leaf("SIGNAL", R"("{\"signal_name\":\"s\",\"timeout_seconds\":5}")")).empty());
}

TEST_CASE("cron: detail from parse_cron") {
  auto es = errors_of(leaf("WAIT_SCHEDULE", R"("{\"cron_expr\":\"0 0 * * 0\"}")"));
  REQUIRE(es.size() == 1);
  CHECK(es[0].rfind("root: Invalid cron expression '0 0 * * 0': ", 0) == 0);
  CHECK(errors_of(leaf("WAIT_SCHEDULE", R"("{\"cron_expr\":\"0 0 * * 1\"}")")).empty());
}

TEST_CASE("HTTP: method, URL scheme (only without templates), timeout") {
  auto http = [](const std::string& url, const std::string& method, int timeout) {
    return leaf("HTTP", R"("{\"url\":\")" + url + R"(\",\"method\":\")" + method +
                            R"(\",\"body\":null,\"headers\":null,\"timeout_seconds\":)" +
                            std::to_string(timeout) + R"(}")");
  };
  CHECK(errors_of(http("https://x", "get", 30)).empty());
  CHECK(errors_of(http("{base}/x", "GET", 30)).empty());
  CHECK(errors_of(http("https://x", "FETCH", 30)) ==
        Strings{"root: Invalid HTTP method: FETCH. Must be GET, POST, PUT, DELETE, or PATCH"});
  CHECK(errors_of(http("ftp://x", "GET", 30)) ==
        Strings{"root: Blocked: unsupported URL scheme 'ftp'. Only http and https are allowed."});
  CHECK(errors_of(http("https://x", "GET", 0)) == Strings{"root: Timeout must be positive"});
}

TEST_CASE("HTTP_MULTIPART: method and parts") {
  auto mp = [](const std::string& method, const std::string& parts) {
    return leaf("HTTP_MULTIPART", R"("{\"url\":\"https://x\",\"method\":\")" + method +
                                      R"(\",\"parts\":)" + parts +
                                      R"(,\"headers\":null,\"timeout_seconds\":30}")");
  };
  CHECK(errors_of(mp("POST", "[{}]")).empty());
  CHECK(errors_of(mp("GET", "[{}]")) ==
        Strings{"root: Invalid HTTP method for multipart: GET. Must be POST, PUT, or PATCH"});
  CHECK(errors_of(mp("POST", "[]")) == Strings{"root: parts must contain at least one part"});
}

TEST_CASE("findings are in pre-order with paths and source positions") {
  auto root = make_then(make_sql("a"), make_sleep(1));
  root->right->query = "-5";
  root->right->pos = {3, 7};
  root->left->result_name = "9";
  auto ds = validate(*root);
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].path == "root.left");
  CHECK(ds[1].path == "root.right");
  CHECK(ds[1].pos.line == 3);
  CHECK(ds[1].pos.column == 7);
  try {
    validate_or_throw(*root);
    FAIL("expected a CompileError");
  } catch (const CompileError& e) {
    CHECK(std::string(e.what()) ==
          "Invalid durable function graph: root.left: result name '9' is not a valid identifier "
          "\xE2\x80\x94 must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
}

TEST_CASE("warning: df.break() outside any loop") {
  const std::string brk = leaf("BREAK", R"("{\"break_value\":null}")");
  CHECK(warnings_of(then(sql("a"), brk)) ==
        Strings{"root.right: df.break() is not inside any loop; it fails the instance when reached"});
  CHECK(warnings_of(R"({"node_type":"LOOP","left_node":)" + then(sql("a"), brk) + "}").empty());
  CHECK(warnings_of(R"({"node_type":"LOOP","left_node":)" + sql("a") + R"(,"condition_node":)" + brk +
                    "}").empty());
  CHECK(errors_of(then(sql("a"), brk)).empty());  // never an error
}

TEST_CASE("warning: if_rows on a result not bound on every path") {
  auto if_rows = [](const std::string& name) {
    return R"({"node_type":"IF","left_node":)" + sql("t") + R"(,"right_node":)" + sql("e") +
           R"(,"query":"{\"condition_type\":\"result_has_rows\",\"result_name\":\")" + name + R"(\"}"})";
  };
  CHECK(warnings_of(then(named_sql("q", "r"), if_rows("r"))).empty());
  CHECK(warnings_of(then(sql("q"), if_rows("r"))) ==
        Strings{"root.right: df.if_rows checks result 'r', which is not bound on every path before this step"});
  // Bound only in one arm of an earlier IF: not on every path.
  std::string one_arm = R"({"node_type":"IF","left_node":)" + named_sql("a", "r") +
                        R"(,"right_node":)" + sql("b") + R"(,"condition_node":)" + sql("c") + "}";
  CHECK(warnings_of(then(one_arm, if_rows("r"))).size() == 1);
}

TEST_CASE("warning: $name of a result bound elsewhere but not before this step") {
  CHECK(warnings_of(then(sql("SELECT $a"), named_sql("SELECT 1", "a"))) ==
        Strings{"root.left: $a refers to result 'a', which is not bound on every path before this step"});
  CHECK(warnings_of(then(named_sql("SELECT 1", "a"), sql("SELECT $a.x, $a?"))).empty());
  // Dollar quotes, parameters and names nobody binds are ordinary SQL, not references.
  CHECK(warnings_of(sql("DO $fn$ BEGIN END $fn$; SELECT $1, $$x$$")).empty());
  // A sibling JOIN branch's binding is not visible inside another branch.
  CHECK(warnings_of(R"({"node_type":"JOIN","left_node":)" + named_sql("1", "a") +
                    R"(,"right_node":)" + sql("SELECT $a") + "}").size() == 1);
  // SLEEP does not store a named result.
  CHECK(warnings_of(then(R"({"node_type":"SLEEP","query":"1","result_name":"s"})", sql("$s"))).empty());
}

TEST_CASE("warning: one result name bound in two branches of a JOIN or RACE") {
  CHECK(warnings_of(R"({"node_type":"JOIN","left_node":)" + named_sql("1", "x") +
                    R"(,"right_node":)" + then(sql("2"), named_sql("3", "x")) + "}") ==
        Strings{"root: result name 'x' is bound in more than one branch of this JOIN; the later "
                "branch's value overwrites the earlier"});
  CHECK(warnings_of(R"({"node_type":"RACE","left_node":)" + named_sql("1", "x") +
                    R"(,"right_node":)" + named_sql("2", "x") + "}")
            .size() == 1);
  CHECK(warnings_of(R"({"node_type":"JOIN","left_node":)" + named_sql("1", "x") +
                    R"(,"right_node":)" + named_sql("2", "y") + "}").empty());
}

TEST_CASE("warning: steps after an infinite loop without break are unreachable") {
  std::string forever = R"({"node_type":"LOOP","left_node":)" + sql("a") + "}";
  CHECK(warnings_of(then(forever, sql("b"))) ==
        Strings{"root.right: this step is unreachable: the infinite loop before it has no df.break()"});
  std::string with_break = R"({"node_type":"LOOP","left_node":)" +
                           then(sql("a"), leaf("BREAK", R"("{\"break_value\":null}")")) + "}";
  CHECK(warnings_of(then(with_break, sql("b"))).empty());
  std::string do_while = R"({"node_type":"LOOP","left_node":)" + sql("a") + R"(,"condition_node":)" +
                         sql("c") + "}";
  CHECK(warnings_of(then(do_while, sql("b"))).empty());
  // A break inside a nested loop does not end the outer loop.
  std::string nested = R"({"node_type":"LOOP","left_node":)" + with_break + "}";
  CHECK(warnings_of(then(nested, sql("b"))).size() == 1);
}
