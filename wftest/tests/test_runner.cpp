// test_runner.cpp — the virtual host (wftest/runner.hpp) and expectations (check.hpp):
// stubs answer as the executor would, time is virtual, signals arrive when asked.
#include <doctest/doctest.h>

#include "check.hpp"
#include "compile.hpp"
#include "runner.hpp"
#include "suite.hpp"

using namespace df::wftest;

namespace {

df::vm::Program program_of(const std::string& source) {
  df::compiler::CompileResult c = df::compiler::compile(source);
  REQUIRE_MESSAGE(!df::compiler::has_errors(c.diagnostics), c.diagnostics.front().message);
  return df::vm::lower(*c.workflows.at(0).root);
}

Stub stub(const std::string& args) {
  df::compiler::Diagnostics d;
  auto s = parse_stub_args(args, &d);
  REQUIRE(s);
  return *s;
}

SignalSend signal(const std::string& args) {
  df::compiler::Diagnostics d;
  auto s = parse_signal_args(args, &d);
  REQUIRE(s);
  return *s;
}

const char* kApproval =
    "('SELECT amount FROM invoices WHERE id = {id}' |=> 'invoice')\n"
    "~> (df.wait_for_signal('approval', timeout_seconds => 300) |=> 'decision')\n"
    "~> ('UPDATE invoices SET state = $decision.data?.verdict?' |=> 'record')";

}  // namespace

TEST_CASE("a signal timeout passes instantly in virtual time") {
  auto p = program_of(kApproval);
  RunResult r = run(p, RunInput{{{"id", "42"}}, {stub("'invoice', rows('{\"amount\": 900}')")}, {}, {}});
  CHECK(r.status == "completed");
  CHECK(r.elapsed_ms == 300000);
  REQUIRE(r.runs.size() == 3);
  CHECK(r.runs[0].statement == "SELECT amount FROM invoices WHERE id = 42");
  CHECK(r.runs[1].result.find("\"timed_out\":true") != std::string::npos);
  CHECK(r.runs[1].started_ms == 0);
  CHECK(r.runs[2].started_ms == 300000);
}

TEST_CASE("a signal is sent when the workflow waits for it, or at a virtual moment") {
  auto p = program_of(kApproval);
  RunResult now = run(p, RunInput{{{"id", "1"}}, {}, {signal("'approval', '{\"verdict\": \"ok\"}'")}, {}});
  CHECK(now.status == "completed");
  CHECK(now.elapsed_ms == 0);
  CHECK(now.runs[1].result.find("\"timed_out\":false") != std::string::npos);
  CHECK(now.runs[2].statement.find("ok") != std::string::npos);

  RunResult late = run(p, RunInput{{{"id", "1"}}, {}, {signal("'approval', '{}', at => 301")}, {}});
  CHECK(late.runs[1].result.find("\"timed_out\":true") != std::string::npos);  // too late: timed out first
  RunResult early = run(p, RunInput{{{"id", "1"}}, {}, {signal("'approval', '{}', at => 120")}, {}});
  CHECK(early.runs[1].result.find("\"timed_out\":false") != std::string::npos);
  CHECK(early.elapsed_ms == 120000);
}

TEST_CASE("a stubbed error reaches the VM as the executor's error record") {
  auto p = program_of("'SELECT 1/0' |=> 'calc'");
  RunResult r = run(p, RunInput{{}, {stub("'calc', error('22012', 'division by zero', hint => 'Check.')")}, {}, {}});
  CHECK(r.status == "failed");
  CHECK(r.result ==
        "{\"message\":\"division by zero\",\"sqlstate\":\"22012\",\"detail\":null,\"hint\":\"Check.\","
        "\"context\":null,\"statement\":\"SELECT 1/0\",\"attempt\":1}");
  CHECK(error_record("m", "", "", "", "", 2, 503) ==
        "{\"message\":\"m\",\"sqlstate\":null,\"detail\":null,\"hint\":null,\"context\":null,"
        "\"statement\":null,\"attempt\":2,\"http_status\":503}");
}

TEST_CASE("stubbed HTTP answers are the executor's envelope; a 5xx fails the step") {
  auto p = program_of("df.http('https://hooks.example.com/x', body => '{}') |=> 'hook'");
  RunResult ok = run(p, RunInput{{}, {stub("'hook', http(201, '{\"id\": 7}', headers => '{\"Content-Type\": \"application/json\"}')")}, {}, {}});
  CHECK(ok.status == "completed");
  CHECK(json_contains("{\"status\": 201, \"ok\": true, \"headers\": {\"content-type\": \"application/json\"}}", ok.result));
  RunResult bad = run(p, RunInput{{}, {stub("'hook', http(503, 'busy')")}, {}, {}});
  CHECK(bad.status == "failed");
  CHECK(bad.result.find("returned 503: busy") != std::string::npos);
  CHECK(bad.result.find("\"http_status\":503") != std::string::npos);
  RunResult wrong = run(p, RunInput{{}, {stub("'hook', rows()")}, {}, {}});
  REQUIRE(wrong.problems.size() == 1);
  CHECK(wrong.problems[0].message.find("with a SQL answer") != std::string::npos);
}

TEST_CASE("responses are used in order, the last one repeats; if_rows follows the stubbed rows") {
  auto p = program_of(
      "@> (('SELECT id FROM jobs' |=> 'jobs') ~> df.if_rows('jobs', 'DELETE FROM jobs', df.break()))");
  // DELETE answers a row: a loop body with a falsy result (no rows) would end the loop.
  RunResult r = run(p, RunInput{{}, {stub("'jobs', rows('{\"id\": 1}'), rows('{\"id\": 2}'), rows()"),
                                     stub("'DELETE', rows('{\"deleted\": 1}')")}, {}, {}});
  CHECK(r.status == "completed");
  int selects = 0, deletes = 0;
  for (const auto& run : r.runs) {
    selects += run.statement == "SELECT id FROM jobs";
    deletes += run.statement == "DELETE FROM jobs";
  }
  CHECK(selects == 3);
  CHECK(deletes == 2);
  CHECK(r.elapsed_ms == 2000);  // loop pacing: one virtual second per short iteration
}

TEST_CASE("cron waits and long sleeps cost no real time") {
  auto p = program_of("df.wait_for_schedule('0 2 * * *') ~> df.sleep(86400) ~> 'SELECT 1'");
  RunResult r = run(p, RunInput{});
  CHECK(r.status == "completed");
  CHECK(r.elapsed_ms == (2 * 3600 + 86400) * 1000LL);  // 02:00 the first night, then a day
}

TEST_CASE("a wait without timeout and without a signal ends the run waiting") {
  auto p = program_of("df.wait_for_signal('go') ~> 'SELECT 1'");
  RunResult r = run(p, RunInput{});
  CHECK(r.status == "running");
  CHECK(r.waiting == "signal 'go'");
}

TEST_CASE("selectors and JSON containment") {
  auto p = program_of(kApproval);
  std::uint32_t invoice = 0;
  while (p.nodes[invoice].type != df::ir::NodeType::Sql) ++invoice;
  CHECK(selector_matches(p, invoice, "invoice"));
  CHECK(selector_matches(p, invoice, "FROM invoices"));
  CHECK(selector_matches(p, invoice, "id = 42", "SELECT amount FROM invoices WHERE id = 42"));
  CHECK_FALSE(selector_matches(p, invoice, "nope"));
  CHECK_FALSE(selector_matches(p, 0, "invoice"));  // only leaves are steps
  CHECK(json_contains("{\"a\": 1}", "{\"a\": 1.0, \"b\": 2}"));
  CHECK_FALSE(json_contains("{\"a\": 1}", "{\"b\": 1}"));
  CHECK(json_contains("[{\"x\": 1}]", "[{\"x\": 1, \"y\": 2}]"));
  CHECK_FALSE(json_contains("[1]", "[1, 2]"));
}

TEST_CASE("a test file end to end: passes, failures at their statements, JUnit") {
  const std::string wf = std::string("workflow approve(id int = 1) {\n  ") + kApproval + "\n}\n";
  const std::string tests =
      "test 'timeout path' of approve(id => 42) {\n"
      "  stub('invoice', rows('{\"amount\": 900}'))\n"
      "  expect_status('completed')\n"
      "  expect_step_result('decision', '{\"timed_out\": true}')\n"
      "  expect_path('invoice', 'decision', 'record')\n"
      "  expect_ran('record', 1)\n"
      "  expect_elapsed(300)\n"
      "}\n"
      "test 'wrong on purpose' of approve() {\n"
      "  expect_status('failed')\n"
      "  expect_not_ran('record')\n"
      "}\n"
      "test 'typo' of approve() { expect_ran('recrod') }\n"
      "test 'bad arg' of approve(idd => 1) { expect_status('completed') }\n";
  FileOutcome f = run_test_file("a.dft", tests, "a.dfl", wf);
  REQUIRE(f.errors.empty());
  REQUIRE(f.cases.size() == 4);
  CHECK_MESSAGE(f.cases[0].failures.empty(), text_report(f, tests, wf, true));
  REQUIRE(f.cases[1].failures.size() == 2);
  CHECK(f.cases[1].failures[0].pos.line == 10);
  CHECK(f.cases[1].failures[0].message == "expected status failed, the workflow completed");
  CHECK(f.cases[1].failures[1].message == "'record' ran 1 time(s), expected never");
  REQUIRE(f.cases[2].failures.size() == 1);
  CHECK(f.cases[2].failures[0].pos.column == 39);
  CHECK(f.cases[3].failures[0].message == "workflow 'approve' has no parameter 'idd' (did you mean 'id'?)");
  CHECK(f.failed() == 3);
  std::string text = text_report(f, tests, wf, false);
  CHECK(text.find("PASS a.dft:1:1: timeout path") != std::string::npos);
  CHECK(text.find("a.dft:10:3: error: expected status failed") != std::string::npos);
  std::string xml = junit_report({f});
  CHECK(xml.find("<testsuite name=\"a.dft\" tests=\"4\" failures=\"3\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"expected status failed, the workflow completed\">") != std::string::npos);

  FileOutcome broken = run_test_file("b.dft", "test 'x' { expect_status('completed') }", "b.dfl", "'SELEC' ~>");
  REQUIRE_FALSE(broken.errors.empty());
  CHECK(broken.errors[0].path == "b.dfl");
}

TEST_CASE("an unstubbed constant SELECT answers as PostgreSQL would; other SQL gets no rows") {
  auto p = program_of("('SELECT true' ?> 'SELECT 1' !> 'SELECT 2') ~> ('SELECT ''it''''s''' |=> 's') ~> 'SELECT x FROM t'");
  RunResult r = run(p, RunInput{});
  REQUIRE(r.runs.size() == 4);
  CHECK(r.runs[0].result == "{\"rows\":[{\"bool\":true}],\"row_count\":1}");
  CHECK(r.runs[1].statement == "SELECT 1");
  CHECK(r.runs[1].result == "{\"rows\":[{\"?column?\":1}],\"row_count\":1}");
  CHECK(r.runs[2].result == "{\"rows\":[{\"?column?\":\"it's\"}],\"row_count\":1}");
  CHECK(r.runs[3].result == "{\"rows\":[],\"row_count\":0}");
}

TEST_CASE("run_for() stops an endless cron loop at the horizon, still running") {
  auto p = program_of("@> (df.wait_for_schedule('0 3 * * *') ~> 'INSERT INTO log VALUES (1)')");
  RunInput in;
  in.run_for_seconds = 3 * 86400;  // from 2026-01-01 00:00: ticks at 03:00 on days 1, 2 and 3
  RunResult r = run(p, in);
  CHECK(r.status == "running");
  CHECK(r.problems.empty());
  CHECK(r.elapsed_ms == 3 * 86400 * 1000);
  int inserts = 0;
  for (const auto& run : r.runs) inserts += run.statement.rfind("INSERT", 0) == 0;
  CHECK(inserts == 3);
  // A timed signal beyond the horizon is never sent.
  auto w = program_of("df.wait_for_signal('go') ~> 'SELECT 1'");
  RunInput late;
  late.signals = {signal("'go', '{}', at => 100")};
  late.run_for_seconds = 50;
  RunResult s = run(w, late);
  CHECK(s.status == "running");
  CHECK(s.elapsed_ms == 50000);
}

TEST_CASE("compensation runs in the virtual host: a failing last step undoes the earlier ones") {
  auto p = program_of(
      "try { 'UPDATE a SET n = n - 1' <-> 'UPDATE a SET n = n + 1' ~> 'UPDATE b SET n = n + 1' <-> "
      "'UPDATE b SET n = n - 1' ~> ('SELECT fee()' |=> 'fee') } catch (err) { 'SELECT $err.sqlstate' }");
  RunResult r = run(p, RunInput{{}, {stub("'fee', error('23514', 'no money')")}, {}, {}});
  CHECK(r.status == "completed");
  std::vector<std::string> statements;
  for (const auto& s : r.runs) statements.push_back(s.statement);
  CHECK(statements == std::vector<std::string>{"UPDATE a SET n = n - 1", "UPDATE b SET n = n + 1", "SELECT fee()",
                                               "UPDATE b SET n = n - 1", "UPDATE a SET n = n + 1",
                                               "SELECT '23514'"});
}

TEST_CASE("a df.timeout runs out in virtual time: the wait is cancelled, the handler sees 57014") {
  auto p = program_of("try { timeout(df.wait_for_signal('approval') ~> 'SELECT 1', '1 hour') }\n"
                      "catch (err) { 'SELECT $err.sqlstate AS code' }");
  RunResult late = run(p, RunInput{{}, {}, {signal("'approval', '{}', at => 7200")}, {}});
  CHECK(late.status == "completed");
  CHECK(late.elapsed_ms == 3600000);
  REQUIRE(late.runs.size() == 2);
  CHECK(late.runs[0].end == LeafRun::End::Failed);  // the wait, cancelled by the timeout
  CHECK(late.runs[0].result == "df.timeout of 1h ran out: the step was cancelled");
  CHECK(late.runs[1].statement == "SELECT '57014' AS code");
  RunResult early = run(p, RunInput{{}, {}, {signal("'approval', '{}', at => 60")}, {}});
  CHECK(early.status == "completed");
  REQUIRE(early.runs.size() == 2);
  CHECK(early.runs[1].statement == "SELECT 1");
}
