// test_lint.cpp — lint rules (compiler/lint.hpp): SQL syntax through an injected parser,
// result references that can fail, waits and loops without an end, rule ids, silencing.
#include <doctest/doctest.h>

#include "lint.hpp"
#include "references.hpp"

using namespace df::compiler;

namespace {
// A stand-in for PostgreSQL's parser: rejects texts containing "SELEC " at that word.
std::optional<SqlSyntaxError> fake_parser(const std::string& sql) {
  auto at = sql.find("SELEC ");
  if (at == std::string::npos) return std::nullopt;
  return SqlSyntaxError{"syntax error at or near \"SELEC\"", at + 1};
}
std::vector<std::string> findings(const std::string& src, const SqlSyntaxChecker& checker = fake_parser) {
  std::vector<std::string> out;
  for (const auto& d : lint_source(src, checker))
    out.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.rule + ": " + d.message);
  return out;
}
bool has(const std::vector<std::string>& all, const std::string& part) {
  for (const auto& f : all)
    if (f.find(part) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("placeholders are read as substitution reads them") {
  auto ps = df::vm::scan_references("SELECT {a}, $r.x?, $r?, $s.*, $t, {not ident}, $$body$$, $tag$x$tag$, $1");
  REQUIRE(ps.size() == 5);
  CHECK(ps[0].name == "a");
  CHECK(ps[1].name == "r");
  CHECK(ps[1].field == "x");
  CHECK(ps[1].optional);
  CHECK(ps[2].optional);
  CHECK(ps[2].field.empty());
  CHECK(ps[3].row_set);
  CHECK(ps[4].name == "t");
  CHECK(sql_for_parser("SELECT {days} FROM t WHERE x = $r.id AND y IN (SELECT * FROM $s.*)") ==
        "SELECT v_____ FROM t WHERE x = 0     AND y IN (SELECT * FROM v___)");
  // The same region rule as SQL-mode substitution (vm/sql_slots.hpp): a reference in a
  // comment is left as written, one inside a string literal becomes its content, one glued
  // to a word is padded as substitution pads it.
  CHECK(df::vm::scan_references("SELECT 1 -- $r here\n, $s", true).size() == 1);
  CHECK(df::vm::scan_references("SELECT 1 -- $r here\n, $s", false).size() == 2);
  CHECK(sql_for_parser("SELECT 1 -- $r\n, 'a$r.x' , x$r") == "SELECT 1 -- $r\n, 'a0   ' , x 0");
}

// A parser stand-in for keyword positions: after "ORDER BY id" only ASC, DESC, LIMIT or the
// end may come; a statement may not start with FROM; OFSET is always an error.
std::optional<SqlSyntaxError> keyword_parser(const std::string& sql) {
  auto error_at = [](std::size_t at) { return SqlSyntaxError{"syntax error at byte " + std::to_string(at), at + 1}; };
  if (auto at = sql.find("OFSET"); at != std::string::npos) return error_at(at);
  if (auto first = sql.find_first_not_of(' '); sql.compare(first, 4, "FROM") == 0) return error_at(first);
  auto by = sql.find("ORDER BY id");
  if (by == std::string::npos) return std::nullopt;
  auto at = sql.find_first_not_of(' ', by + 11);
  if (at == std::string::npos) return std::nullopt;
  for (const char* ok : {"ASC", "DESC", "LIMIT"})
    if (sql.compare(at, std::string(ok).size(), ok) == 0) return std::nullopt;
  return error_at(at);
}

TEST_CASE("a {var} in a keyword position is not a syntax error; results placed where substitution refuses are") {
  // {dir} is inserted as written (ASC, DESC): tried as a name, a number, then nothing.
  CHECK(findings("workflow w(dir text = 'ASC') { 'SELECT * FROM t ORDER BY id {dir}' }", keyword_parser).empty());
  CHECK(findings("workflow w(dir text = 'ASC') { 'SELECT * FROM t ORDER BY id {dir} LIMIT 1' }", keyword_parser).empty());
  // ... while a $result there is one literal, so the same position is an error
  auto r = findings("('SELECT 1' |=> 'd') ~> 'SELECT * FROM t ORDER BY id $d'", keyword_parser);
  REQUIRE(r.size() == 1);
  CHECK(r[0] == "1:54 sql-syntax: SQL does not parse: syntax error at byte 28");
  // an error elsewhere in the statement is still found, at its own place
  auto f = findings("workflow w(dir text = 'ASC') { 'SELECT * FROM t ORDER BY id {dir} LIMIT 3 OFSET 2' }", keyword_parser);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "1:75 sql-syntax: SQL does not parse: syntax error at byte 42");
  // {verb} may be the whole command: an error right after it is the value's, not reported
  CHECK(findings("workflow w(verb text = 'DELETE') { '{verb} FROM t WHERE id = 1' }", keyword_parser).empty());
  CHECK(findings("'FROM t WHERE id = 1'", keyword_parser).size() == 1);
  // a $result inside a quoted identifier would fail the step: reported at the reference
  auto q = findings("('SELECT 1' |=> 'r') ~> 'SELECT 1 AS \"col_$r\"'");
  REQUIRE(q.size() == 1);
  CHECK(q[0] == "1:43 sql-placement: $r is inside a quoted identifier: a value can only be a literal, never a name (the step would fail)");
}

TEST_CASE("a SQL syntax error points at its line and column in the workflow file") {
  auto f = findings("workflow w() {\n  'SELECT 1'\n  ~> 'UPDATE t SET a = 1;\n      SELEC 1 FROM'\n}\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "4:7 sql-syntax: SQL does not parse: syntax error at or near \"SELEC\"");
  // through '' escapes and $$ quoting
  CHECK(findings("'SELECT ''a'', 1; SELEC 2'")[0].rfind("1:19 sql-syntax", 0) == 0);
  CHECK(findings("$q$SELEC 2$q$")[0].rfind("1:4 sql-syntax", 0) == 0);
  CHECK(findings("'SELEC 2'", nullptr).empty());  // no parser given: no SQL check
}

TEST_CASE("an unbound $name is an error with the names in scope") {
  auto f = findings("('SELECT 1' |=> 'total') ~> 'SELECT $count, $totl'");
  CHECK(has(f, "1:37 unbound-ref: $count names no step's result, so it is sent to PostgreSQL as written; results in scope: total"));
  CHECK(has(f, "$totl names no step's result, so it is sent to PostgreSQL as written (did you mean 'total'?)"));
  CHECK(has(findings("workflow w(count int) { 'SELECT $count' }"), "parameters are written {count}"));
  CHECK(findings("'SELECT $$x$$, $1'").empty());
}

TEST_CASE("$x.field that fails on a reachable path suggests ?") {
  const std::string wf = "(df.wait_for_signal('approval', timeout_seconds => 300) |=> 'decision') ~> "
                         "'UPDATE t SET v = $decision.data'";
  CHECK(has(findings(wf), "nullable-ref: $decision.data fails the step after the signal 'approval' times out "
                          "(data is null); write $decision.data? to get NULL instead"));
  CHECK_FALSE(has(findings(wf + " ~> 'SELECT $decision.data?, $decision.timed_out'"), "$decision.data? fails"));
  const std::string q = "('SELECT id FROM jobs WHERE ready' |=> 'job') ~> 'DELETE FROM jobs WHERE id = $job.id'";
  CHECK(has(findings(q), "$job.id fails the step when 'job' returned no rows; write $job.id? to get NULL instead"));
  CHECK(findings("('SELECT count(*) AS n FROM jobs' |=> 'c') ~> 'SELECT $c.n'").empty());
  // guarded by if_rows: the then branch has rows
  CHECK_FALSE(has(findings("('SELECT id FROM jobs' |=> 'job') ~> df.if_rows('job', 'DELETE FROM jobs WHERE id = $job.id', 'SELECT 1')"),
                  "nullable-ref"));
}

TEST_CASE("waits without timeout and loops without a way out are warnings") {
  CHECK(has(findings("df.wait_for_signal('go') ~> 'SELECT 1'"), "wait-no-timeout: df.wait_for_signal('go') has no timeout"));
  // inside df.timeout (also around a retry or a sequence) the wait cannot last forever
  CHECK_FALSE(has(findings("timeout(df.wait_for_signal('go'), '1 hour') ~> 'SELECT 1'"), "wait-no-timeout"));
  CHECK_FALSE(has(findings("timeout(retry('SELECT 1' ~> df.wait_for_signal('go')), 60)"), "wait-no-timeout"));
  CHECK(has(findings("timeout('SELECT 1', 60) ~> df.wait_for_signal('go')"), "wait-no-timeout"));
  // the steps inside a df.retry / df.timeout are linted like any others
  CHECK(has(findings("retry(df.wait_for_signal('go'))"), "wait-no-timeout"));
  CHECK(has(findings("@> ('SELECT 1' ~> df.sleep(5))"), "loop-no-exit: this loop has no way out"));
  CHECK_FALSE(has(findings("@> ('SELECT 1' ~> df.if_rows('x', df.break(), df.sleep(1)))"), "loop-no-exit"));
  CHECK_FALSE(has(findings("df.loop('SELECT 1', 'SELECT false')"), "loop-no-exit"));
}

namespace {
// One step that trips each rule (with fake_parser for sql-syntax), as an expression.
struct RuleCase {
  const char* rule;
  const char* step;
};
const RuleCase kRuleCases[] = {
    {"unbound-ref", "'SELECT $nosuch'"},
    {"nullable-ref", "(('SELECT id FROM jobs WHERE ready' |=> 'job') ~> 'DELETE FROM jobs WHERE id = $job.id')"},
    {"wait-no-timeout", "df.wait_for_signal('go')"},
    {"loop-no-exit", "(@> ('SELECT 1' ~> df.sleep(5)))"},
    {"sql-syntax", "'SELEC 2'"},
    {"sql-placement", "(('SELECT 1' |=> 'r') ~> 'SELECT 1 AS \"col_$r\"')"},
};
// Every composite the walk must descend into; %s is where the step goes.
const char* const kComposites[] = {
    "%s",
    "try { %s } catch (e) { 'SELECT 1' }",                     // CATCH: the step
    "try { 'SELECT 1' } catch (e) { %s }",                     // CATCH: the handler
    "df.catch(%s, 'SELECT 1')",
    "df.catch('SELECT 1', %s)",
    "(%s) <-> 'SELECT 1'",                                     // UNDO: the forward step
    "'SELECT 1' <-> (%s)",                                     // UNDO: the undo action
    "df.with_undo('SELECT 1', %s)",
    "retry(%s)",                                               // RETRY
    "timeout(%s, 60)",                                         // TIMEOUT
    "(%s) & 'SELECT 1'",                                       // JOIN
    "'SELECT 1' | (%s)",                                       // RACE
    "'SELECT true' ?> (%s) !> 'SELECT 1'",                     // IF: then
    "'SELECT true' ?> 'SELECT 1' !> (%s)",                     // IF: else
    "df.loop(%s, 'SELECT false')",                             // LOOP: the body
    "'SELECT 1' ~> (%s)",                                      // THEN
    "try { retry('SELECT 1' <-> (%s)) } catch (e) { 'SELECT 1' }",  // nested
};
std::string wrap(const char* composite, const char* step) {
  std::string out = composite;
  out.replace(out.find("%s"), 2, step);
  return out;
}
}  // namespace

TEST_CASE("every rule fires on a step inside every composite, as at top level") {
  for (const RuleCase& rc : kRuleCases) {
    for (const char* composite : kComposites) {
      const std::string src = wrap(composite, rc.step);
      // a wait inside df.timeout cannot last forever: the one place the rule stays quiet
      const bool expected = !(std::string(rc.rule) == "wait-no-timeout" && src.find("timeout(") == 0);
      int fired = 0;
      for (const auto& d : lint_source(src, fake_parser)) fired += d.rule == rc.rule ? 1 : 0;
      INFO(src);
      CHECK(fired == (expected ? 1 : 0));
    }
  }
}

TEST_CASE("results flow through CATCH and UNDO as the engine binds them") {
  // the handler's error is a result in scope, under its own name or the default one
  CHECK(findings("try { 'SELECT 1' } catch (err) { 'SELECT $err.message' }").empty());
  CHECK(findings("df.catch('SELECT 1', 'SELECT $error.sqlstate')").empty());
  CHECK(has(findings("try { 'SELECT 1' } catch (err) { 'SELECT $error.message' }"),
            "$error.message names no step's result, so it is sent to PostgreSQL as written; results in scope: err"));
  // the undo action sees its forward step's result, with the same nullable-ref rule
  CHECK(has(findings("('SELECT id FROM t WHERE ready' |=> 'r') <-> 'DELETE FROM t WHERE id = $r.id'"),
            "$r.id fails the step when 'r' returned no rows"));
  CHECK(findings("('SELECT 1 AS id' |=> 'r') <-> 'DELETE FROM t WHERE id = $r.id'").empty());
  // a step after the CATCH sees what its step or its handler bound
  CHECK(has(findings("try { 'SELECT id FROM t' |=> 'x' } catch { 'SELECT 1' } ~> 'SELECT $x.id'"),
            "$x.id fails the step when 'x' returned no rows"));
}

TEST_CASE("rule ids, end columns and silencing per line") {
  auto d = lint_source("df.wait_for_signal('go') ~> 'SELECT 1'", nullptr);
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == "wait-no-timeout");
  CHECK(d[0].end.column == 3);  // one past `df`, the token the step starts at
  CHECK(lint_source("df.wait_for_signal('go') -- dfc:ignore wait-no-timeout -- fine here\n~> 'SELECT 1'", nullptr).empty());
  CHECK(lint_source("-- dfc:ignore\ndf.wait_for_signal('go') ~> 'SELECT 1'", nullptr).empty());
  CHECK(lint_source("df.wait_for_signal('go') -- dfc:ignore loop-no-exit\n", nullptr).size() == 1);
  auto syntax = lint_source("'a' ~> -- dfc:ignore\n", nullptr);
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0].rule == "syntax");  // syntax errors cannot be silenced
}

#include "parse.hpp"

namespace {
std::string first_syntax_error(const std::string& src) {
  ParseResult r = parse(src);
  REQUIRE_FALSE(r.diagnostics.empty());
  const auto& d = r.diagnostics.front();
  return std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
}
}  // namespace

TEST_CASE("syntax errors say where an unclosed delimiter opened and when a string ended early") {
  CHECK(first_syntax_error("workflow w() {\n  df.sleep(1 ~> 'SELECT 2'\n}\n") ==
        "3:1: syntax error: missing ')' at '}' (the '(' opened at 2:11 is not closed before the '}' at 3:1)");
  CHECK(first_syntax_error("workflow w() {\n  ('a' ~> 'b'\n") ==
        "3:1: syntax error: mismatched input the end of the file expecting ')' (the '(' opened at 2:3 is never closed)");
  CHECK(first_syntax_error("workflow w() {\n  'SELECT 1 ~> 'SELECT 2'\n}\n") ==
        "2:17: syntax error: the string 'SELECT 1 ~> ' ends right before `SELECT`: inside a '...' string, a quote is "
        "written ''");
}
