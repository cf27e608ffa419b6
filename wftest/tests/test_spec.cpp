// test_spec.cpp — the test-file syntax (wftest/spec.hpp): structure, statements, and
// every mistake reported at its line:column.
#include <doctest/doctest.h>

#include "spec.hpp"

using namespace df::wftest;

namespace {
std::string first_error(const std::string& src) {
  SpecResult r = parse_spec(src);
  REQUIRE_FALSE(r.diagnostics.empty());
  const auto& d = r.diagnostics.front();
  return std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
}
}  // namespace

TEST_CASE("a test file with every statement parses") {
  SpecResult r = parse_spec(R"(-- tests
use 'invoice.dfl'
test 'times out' of approve(invoice_id => 42, note => 'it''s') {
  stub('FROM invoices', rows('{"amount": 900}', '[{"amount": 1}, {"amount": 2}]'))
  stub('INSERT', error('23505', 'duplicate key', detail => 'Key (id)=(1)'), rows())
  stub('hook', http(503, 'busy', headers => '{"Retry-After": "5"}'), http_error('refused'))
  signal('approval', '{"ok": true}', at => 60)
  signal('poke')
  expect_status('completed')
  expect_result('{"ok": true}')
  expect_error('duplicate')
  expect_ran('INSERT', 2)
  expect_ran('INSERT', times => 2)
  expect_not_ran('reminder')
  expect_path('lookup', 'approval')
  expect_step_result('approval', '{"timed_out": true}')
  expect_elapsed(300)
}
test 'second' { expect_status('failed') }
)");
  REQUIRE(r.diagnostics.empty());
  CHECK(r.file.use == "invoice.dfl");
  REQUIRE(r.file.cases.size() == 2);
  const TestCase& t = r.file.cases[0];
  CHECK(t.title == "times out");
  CHECK(t.workflow == "approve");
  CHECK(t.args.at("invoice_id") == "42");
  CHECK(t.args.at("note") == "it's");
  CHECK(t.pos.line == 3);
  REQUIRE(t.stubs.size() == 3);
  CHECK(t.stubs[0].responses[0].rows.size() == 3);
  CHECK(t.stubs[0].responses[0].rows[0] == "{\"amount\":900}");
  CHECK(t.stubs[1].responses[0].sqlstate == "23505");
  CHECK(t.stubs[1].responses[0].detail == "Key (id)=(1)");
  CHECK(t.stubs[1].responses[1].rows.empty());
  CHECK(t.stubs[2].responses[0].http_status == 503);
  CHECK(t.stubs[2].responses[0].headers[0].first == "Retry-After");
  CHECK(t.stubs[2].responses[1].kind == Response::Kind::HttpError);
  REQUIRE(t.signals.size() == 2);
  CHECK(t.signals[0].at_seconds == std::optional<std::int64_t>(60));
  CHECK_FALSE(t.signals[1].at_seconds.has_value());
  CHECK(t.signals[1].payload == "{}");
  REQUIRE(t.expectations.size() == 9);
  CHECK(t.expectations[3].count == std::optional<std::int64_t>(2));
  CHECK(t.expectations[4].count == std::optional<std::int64_t>(2));
  CHECK(t.expectations[6].selectors.size() == 2);
  CHECK(t.expectations[0].pos.line == 9);
  CHECK(t.expectations[0].pos.column == 3);
  CHECK(r.file.cases[1].workflow.empty());
}

TEST_CASE("mistakes in a test file are reported where they are") {
  CHECK(first_error("") == "1:1: the test file has no test: write test 'title' { ... }");
  CHECK(first_error("tset 'x' {}") == "1:1: expected `test 'title' { ... }`, found 'tset'");
  CHECK(first_error("test 'x' {\n  expect_stauts('completed')\n}") ==
        "2:3: unknown statement expect_stauts() (did you mean 'expect_status'?)");
  CHECK(first_error("test 'x' {\n  expect_status('complete')\n}") ==
        "2:17: unknown status 'complete' (did you mean 'completed'?): expected completed, failed, cancelled or running");
  CHECK(first_error("test 'x' {\n  stub('a', row('{}'))\n}") ==
        "2:13: unknown response row() (did you mean 'rows'?); a stub answers with rows(...), error(...), http(...) or http_error(...)");
  CHECK(first_error("test 'x' {\n  stub('a', error('2305', 'x'))\n}") ==
        "2:19: '2305' is not a SQLSTATE (five digits or capital letters, e.g. '23505')");
  CHECK(first_error("test 'x' {\n  stub('a', rows('[1]'))\n}") == "2:18: a row is a JSON object");
  CHECK(first_error("test 'x' {\n  expect_result('{bad')\n}").rfind("2:17: the expected result is not JSON", 0) == 0);
  CHECK(first_error("test 'x' {\n  signal('s', at => -1)\n}") == "2:15: at must be a non-negative whole number");
  CHECK(first_error("test 'x' {\n  signal('s', when => 1)\n}") == "2:15: signal() has no parameter named 'when'");
  CHECK(first_error("test 'x' {\n  expect_status('failed'\n}").rfind("2:", 0) == 0);
  CHECK(first_error("test 'x' {\n  expect_status('failed')\n") == "1:10: unclosed '{' of test 'x'");
  CHECK(first_error("test 'x' of wf(1) {}") == "1:16: workflow arguments are named: wf(name => value)");
  CHECK(first_error("test 'x' {\n  stub('a')\n}") == "2:3: stub() takes at least 2 positional arguments, got 1");
}

TEST_CASE("command-line statements use the same rules") {
  df::compiler::Diagnostics diags;
  auto s = parse_stub_args("'FROM t', rows('{\"n\": 1}')", &diags);
  REQUIRE(s);
  CHECK(s->selector.text == "FROM t");
  CHECK(s->responses[0].rows[0] == "{\"n\":1}");
  auto g = parse_signal_args("'approval', '{}', at => 5", &diags);
  REQUIRE(g);
  CHECK(g->at_seconds == std::optional<std::int64_t>(5));
  CHECK(diags.empty());
  CHECK_FALSE(parse_stub_args("'x', nope()", &diags));
  CHECK_FALSE(diags.empty());
}

TEST_CASE("a test file's workflow file") {
  CHECK(workflow_path_for("dir/invoice.dft", "") == "dir/invoice.dfl");
  CHECK(workflow_path_for("dir/invoice.dft", "other.dfl") == "dir/other.dfl");
  CHECK(workflow_path_for("invoice.dft", "/abs/x.dfl") == "/abs/x.dfl");
  CHECK(workflow_path_for("a.b/noext", "") == "a.b/noext.dfl");
}

TEST_CASE("run_for() sets the virtual horizon once") {
  SpecResult r = parse_spec("test 'x' {\n  run_for(259200)\n  expect_status('running')\n}");
  REQUIRE(r.diagnostics.empty());
  CHECK(r.file.cases[0].run_for_seconds == std::optional<std::int64_t>(259200));
  CHECK(first_error("test 'x' {\n  run_for(1)\n  run_for(2)\n}") == "3:3: run_for() is given twice in test 'x'");
  CHECK(first_error("test 'x' {\n  run_for(-5)\n}") == "2:11: the virtual seconds to run must be a non-negative whole number");
}
