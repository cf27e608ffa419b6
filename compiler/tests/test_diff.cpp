// test_diff.cpp — workflow version differences (compiler/diff.hpp).
#include <doctest/doctest.h>

#include "compile.hpp"
#include "diff.hpp"

using namespace df::compiler;

namespace {
struct Version {
  CompileResult r;
  std::vector<ParamSpec> params;
  const df::ir::Node& root() const { return *r.workflows.at(0).root; }
};
Version version(const std::string& src) {
  Version v{compile(src), {}};
  REQUIRE_FALSE(has_errors(v.r.diagnostics));
  for (const auto& p : v.r.workflows.at(0).params) v.params.push_back({p.name, p.type, p.default_literal});
  return v;
}
std::string changes(const std::string& a, const std::string& b) {
  Version x = version(a), y = version(b);
  return describe_changes(x.root(), x.params, y.root(), y.params);
}
}  // namespace

TEST_CASE("the outline flattens sequences and shows sections with full step text") {
  Version v = version("('SELECT 1' |=> 'a') ~> ('SELECT true' ?> df.sleep(5) !> 'SELECT 2') ~> ('x' & 'y' & 'z')");
  CHECK(outline(v.root()) == std::vector<std::string>{
                                 "SQL SELECT 1 |=> 'a'", "IF", "  condition:", "    SQL SELECT true", "  then:",
                                 "    SLEEP 5", "  else:", "    SQL SELECT 2", "JOIN (2)", "  branch 1:", "    JOIN (2)",
                                 "      branch 1:", "        SQL x", "      branch 2:", "        SQL y",
                                 "  branch 2:", "    SQL z"});  // & nests, as in the SQL DSL
}

TEST_CASE("line_diff keeps common lines and puts removals before additions") {
  CHECK(line_diff({"a", "b", "c"}, {"a", "x", "c", "d"}) ==
        std::vector<std::string>{"  a", "- b", "+ x", "  c", "+ d"});
  CHECK(line_diff({}, {}).empty());
}

TEST_CASE("describe_changes: nothing, parameters, steps with context") {
  const std::string v1 = "workflow w(days int = 7) {\n  'SELECT {days}' ~> df.wait_for_signal('ok', timeout_seconds => 300)\n}";
  CHECK(changes(v1, v1).empty());
  CHECK(changes(v1, "-- reformatted\nworkflow w(days int = 7) { 'SELECT {days}'\n ~> df.wait_for_signal('ok', timeout_seconds => 300) }").empty());
  CHECK(changes(v1, "workflow w(days int = 7, region text = 'eu') {\n  'SELECT {days}' ~> df.wait_for_signal('ok', timeout_seconds => 3600)\n}") ==
        "parameters:\n+ region text = 'eu'\nsteps:\n  SQL SELECT {days}\n"
        "- SIGNAL {\"signal_name\":\"ok\",\"timeout_seconds\":300}\n"
        "+ SIGNAL {\"signal_name\":\"ok\",\"timeout_seconds\":3600}\n");
  // a change deep in a long SQL text is visible (nothing is truncated)
  const std::string long_sql = "SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t FROM t WHERE x = ";
  CHECK(changes("'" + long_sql + "1'", "'" + long_sql + "2'") ==
        "steps:\n- SQL " + long_sql + "1\n+ SQL " + long_sql + "2\n");
}

TEST_CASE("hunks show two lines of context and elide the rest") {
  std::string a = "'s1' ~> 's2' ~> 's3' ~> 's4' ~> 's5' ~> 's6' ~> 's7' ~> 's8'";
  std::string b = "'s1' ~> 's2' ~> 's3' ~> 's4' ~> 's5' ~> 's6' ~> 's7' ~> 's9'";
  CHECK(changes("'s0' ~> " + a, "'s0' ~> 'new' ~> " + b) ==
        "steps:\n  SQL s0\n+ SQL new\n  SQL s1\n  SQL s2\n  ...\n  SQL s6\n  SQL s7\n- SQL s8\n+ SQL s9\n");
}

TEST_CASE("the outline shows RETRY and TIMEOUT with their policy and their one step") {
  Version v = version("retry(timeout('SELECT pg_sleep(5)', 1), max_attempts => 2)");
  CHECK(outline(v.root()) ==
        std::vector<std::string>{R"(RETRY {"max_attempts":2,"backoff_ms":1000,"max_backoff_ms":60000})",
                                 R"(    TIMEOUT {"timeout_ms":1000})", "        SQL SELECT pg_sleep(5)"});
}
