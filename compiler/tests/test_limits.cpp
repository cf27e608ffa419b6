// test_limits.cpp — the graph limits enforced while parsing (prescan.cpp): issue 11's
// crash inputs (100,000 open parentheses, a 10,000-deep `'a' ~> ('b' ~> (...))`, 6,000
// nested parentheses, 100,000-step chains, @> and |=> runs) end in ONE positioned error
// at the first token past a limit, and inputs at the limits still compile; and the
// duration limit of sleeps and timeouts (issue 11 item 5) in every front end.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "args.hpp"
#include "compile.hpp"
#include "limits.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {
std::string chain(int steps, const char* op = " ~> ") {
  std::string s = "'s0'";
  for (int i = 1; i < steps; ++i) s += op + ("'s" + std::to_string(i) + "'");
  return s;
}
std::string nested_seq(int depth) {
  std::string s = "'x'";
  for (int i = 0; i < depth; ++i) s = "'a' ~> (" + s + ")";
  return s;
}
// The only error of `r`, as "line:col: message".
std::string only_error(const CompileResult& r) {
  std::string out;
  int errors = 0;
  for (const auto& d : r.diagnostics) {
    if (d.severity != Severity::Error) continue;
    ++errors;
    out = std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
  }
  return errors == 1 ? out : std::to_string(errors) + " errors";
}
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

TEST_CASE("nesting: the 257th open parenthesis is the error, however many follow") {
  CHECK(starts_with(only_error(compile(std::string(100000, '('))),
                    "1:257: Graph exceeds maximum nesting depth of 256"));
  CHECK(starts_with(only_error(compile(std::string(6000, '(') + "'a'" + std::string(6000, ')'))),
                    "1:257: Graph exceeds maximum nesting depth of 256"));
  CompileResult ok = compile(std::string(256, '(') + "'a'" + std::string(256, ')'));
  CHECK_FALSE(has_errors(ok.diagnostics));
}

TEST_CASE("depth: nested and flat chains count one level per operator") {
  CHECK(starts_with(only_error(compile(nested_seq(10000))), "1:2053: Graph exceeds maximum nesting depth of 256"));
  CHECK_FALSE(has_errors(compile(nested_seq(255)).diagnostics));
  // A flat chain of n steps lowers to n-1 nested THEN nodes: 257 steps are the most.
  CHECK_FALSE(has_errors(compile(chain(257)).diagnostics));
  CHECK(starts_with(only_error(compile(chain(258))), "1:"));
  CHECK(only_error(compile(chain(258))).find("nesting depth of 256") != std::string::npos);
  CHECK(starts_with(only_error(compile(chain(100000))), "1:2458: Graph exceeds maximum nesting depth of 256"));  // the 257th ~>
  // The parse-time bound agrees with the IR's own rule at the edge: 256 accepted,
  // 257 refused (here by the pre-scan, with a position).
  CompileResult at_limit = compile("(" + chain(257) + ") ~> 'z'");
  CHECK(has_errors(at_limit.diagnostics));
}

TEST_CASE("depth: @> prefixes and |=> runs are bounded too") {
  std::string loops;
  for (int i = 0; i < 100000; ++i) loops += "@> ";
  CHECK(starts_with(only_error(compile(loops + "'a'")), "1:769: Graph exceeds maximum nesting depth"));
  CHECK(starts_with(only_error(compile(chain(100000, " |=> "))), "1:"));
  CHECK(only_error(compile(chain(300, " |=> "))).find("`|=>`") != std::string::npos);
}

TEST_CASE("nodes: a wide graph passes 10000 nodes at the operator that makes it so") {
  // Balanced joins stay shallow: 2^13 leaves = 16383 nodes, refused at the 5000th `&`.
  std::string tree = "'l'";
  for (int d = 0; d < 13; ++d) tree = "(" + tree + " & " + tree + ")";
  std::string err = only_error(compile(tree));
  CHECK(err.find("Workflow exceeds maximum node count of 10000") != std::string::npos);
  std::string small = "'l'";
  for (int d = 0; d < 12; ++d) small = "(" + small + " & " + small + ")";  // 8191 nodes
  CHECK_FALSE(has_errors(compile(small).diagnostics));
}

TEST_CASE("nodes are counted per workflow of a file") {
  std::string wide = "'l'";
  for (int d = 0; d < 12; ++d) wide = "(" + wide + " & " + wide + ")";
  CompileResult r = compile("workflow a() { " + wide + " }\nworkflow b() { " + wide + " }\n");
  CHECK_FALSE(has_errors(r.diagnostics));
  CHECK(r.workflows.size() == 2);
}

TEST_CASE("check_interrupts is called during a long compile and may abandon it") {
  CompileOptions options;
  int calls = 0;
  options.check_interrupts = [&] { ++calls; };
  std::string many;
  for (int w = 0; w < 20; ++w) many += "workflow w" + std::to_string(w) + "() { " + chain(200) + " }\n";
  CHECK_FALSE(has_errors(compile(many, options).diagnostics));
  CHECK(calls > 2);
  options.check_interrupts = [] { throw std::runtime_error("canceling statement due to user request"); };
  CHECK_THROWS_WITH(compile(many, options), "canceling statement due to user request");
}

TEST_CASE("durations: sleep and timeouts are refused beyond 100 years where they are built") {
  const std::string range = "must be between 0 and 3153600000 seconds (100 years), got 9300000000000";
  CHECK(make_sleep(kMaxDurationSeconds)->query == "3153600000");
  CHECK_THROWS_WITH(make_sleep(9300000000000), ("Sleep duration " + range).c_str());
  CHECK_THROWS_WITH(make_sleep(-1), "Sleep duration must be non-negative");
  CHECK_THROWS_WITH(make_wait_for_signal("s", kMaxDurationSeconds + 1),
                    "Timeout must be between 1 and 3153600000 seconds (100 years), got 3153600001");
  CHECK_THROWS_WITH(make_http("https://x", "GET", std::nullopt, std::nullopt, kMaxDurationSeconds + 1),
                    "Timeout must be between 1 and 3153600000 seconds (100 years), got 3153600001");
  // Wire JSON: validation applies the same rule to a hand-written SLEEP / SIGNAL node.
  CHECK_THROWS_WITH(validate_or_throw(*parse_strict(R"({"node_type":"SLEEP","query":"9300000000000"})")),
                    ("Invalid durable function graph: root: Sleep duration " + range).c_str());
  CHECK_THROWS_WITH(
      validate_or_throw(*parse_strict(
          R"({"node_type":"SIGNAL","query":"{\"signal_name\":\"s\",\"timeout_seconds\":9223372036854775807}"})")),
      "Invalid durable function graph: root: Timeout must be between 1 and 3153600000 seconds "
      "(100 years), got 9223372036854775807");
  // The textual language: the same message at the call's position.
  std::string err = only_error(compile("'a' ~> df.sleep(9300000000000)"));
  CHECK(err.rfind("1:8: ", 0) == 0);
  CHECK(err.find("Sleep duration " + range) != std::string::npos);
  CHECK(only_error(compile("df.sleep(9223372036854775807)")).find("Sleep duration must be between") !=
        std::string::npos);
}
TEST_CASE("nesting: limits still hold after an invalid character (fuzz_compile stack overflow)") {
  // The pre-scan once stopped counting at the first invalid character, while the parser
  // read on and recursed through 100,000 parentheses.
  CompileResult r = compile("\x01" + std::string(100000, '(') + "'a'");
  bool depth_error = false;
  for (const auto& d : r.diagnostics)
    if (d.message.find("maximum nesting depth of 256") != std::string::npos) depth_error = true;
  CHECK(depth_error);
}
