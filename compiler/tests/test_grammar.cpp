// test_grammar.cpp — unit tests of the textual language front end (parse.hpp): every
// grammar construct parses to the expected AST, and every syntax or grouping error is
// reported with its position and message.
#include <doctest/doctest.h>

#include <string>

#include "parse.hpp"

using namespace df::compiler;
using df::compiler::ast::ExprKind;

namespace {

// Parses a bare-expression file that must have no diagnostics; returns its body.
const ast::Expr& body_of(const ParseResult& r) {
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.file.workflows.size() == 1);
  REQUIRE(r.file.workflows[0].body);
  return *r.file.workflows[0].body;
}

std::string first_error(const ParseResult& r) {
  REQUIRE_FALSE(r.diagnostics.empty());
  return r.diagnostics[0].message;
}

}  // namespace

TEST_CASE("string literals: plain, doubled quote, E-string, dollar-quoted") {
  auto r1 = parse("'SELECT ''a'''");
  CHECK(body_of(r1).literal.value == "SELECT 'a'");
  auto r2 = parse(R"(E'a\nb\'c\x41\u00e9')");
  CHECK(body_of(r2).literal.value == "a\nb'cA\xC3\xA9");
  auto r3 = parse("$$SELECT 'x' $inner$ $$");
  CHECK(body_of(r3).literal.value == "SELECT 'x' $inner$ ");
  auto r4 = parse("$fn$ SELECT $$1$$ $fn$");
  CHECK(body_of(r4).literal.value == " SELECT $$1$$ ");
  CHECK(body_of(r4).kind == ExprKind::Literal);
}

TEST_CASE("string literal errors") {
  auto r1 = parse("'SELECT 1");
  CHECK(first_error(r1) == "unterminated quoted string");
  CHECK(r1.diagnostics[0].pos.line == 1);
  CHECK(r1.diagnostics[0].pos.column == 1);
  auto r2 = parse("$q$ SELECT 1 $$");
  CHECK(first_error(r2) == "unterminated dollar-quoted string (expected closing $q$)");
  auto r3 = parse(R"(E'\u12')");
  CHECK(first_error(r3).find("invalid Unicode escape") != std::string::npos);
}

TEST_CASE("an unclosed /* comment is one error token; a closed one stays a comment") {
  auto r1 = parse("'SELECT 1' /* note");
  CHECK(first_error(r1) == "unterminated /* comment");
  CHECK(r1.diagnostics[0].pos.column == 12);
  CHECK(parse("'SELECT 1' /* a **/ ~> /* b * / */ 'SELECT 2'").diagnostics.empty());
  // 100,000 `/* ` after a closed comment: one token, not one scan to the end per `/*`
  // (that was quadratic: a fuzz_compile timeout).
  std::string many = "'SELECT 1' /* x */";
  for (int i = 0; i < 100000; ++i) many += "/* ";
  auto r2 = parse(many);
  REQUIRE(r2.diagnostics.size() == 1);
  CHECK(r2.diagnostics[0].message == "unterminated /* comment");
  CHECK(r2.diagnostics[0].pos.column == 19);
}

TEST_CASE("syntax error recovery is bounded: first error kept, the rest not re-parsed") {
  // After one error ANTLR recovers silently; over 95,000 pieces of garbage it would skip
  // (lex and keep) all of them. It stops after 10,000 skipped tokens.
  std::string garbage = "'3'";
  for (int i = 0; i < 95000; ++i) garbage += "\x1b\x1b> 's'";
  auto r = parse(garbage);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message == "syntax error: unexpected character '\x1b'");
  CHECK(r.diagnostics[0].pos.column == 4);
  // Errors that ANTLR reports one by one still stop at 50.
  std::string many;
  for (int i = 0; i < 200; ++i) many += "df.sleep(1 2) ~> ";
  auto m = parse(many + "'x'");
  CHECK(m.diagnostics.size() == 51);
  CHECK(m.diagnostics.back().message == "too many syntax errors; stopped after 50");
}

TEST_CASE("numbers, NULL and casts are literals") {
  auto r = parse("df.sleep(-5)");
  const auto& call = body_of(r);
  REQUIRE(call.kind == ExprKind::Call);
  CHECK(call.callee == "sleep");
  REQUIRE(call.args.size() == 1);
  CHECK(call.args[0].value->literal.kind == ast::LiteralKind::Number);
  CHECK(call.args[0].value->literal.value == "-5");
  auto r2 = parse("http('http://x', headers => '{\"a\":1}'::JSONB, body => NULL)");
  const auto& h = body_of(r2);
  CHECK(h.callee == "http");
  REQUIRE(h.args.size() == 3);
  CHECK(h.args[1].name == std::optional<std::string>("headers"));
  CHECK(h.args[1].value->casts == std::vector<std::string>{"jsonb"});
  CHECK(h.args[2].value->literal.kind == ast::LiteralKind::Null);
}

TEST_CASE("df. prefix is optional and case-insensitive; other schemas are errors") {
  CHECK(body_of(parse("DF.SQL('x')")).callee == "sql");
  CHECK(body_of(parse("sql('x')")).callee == "sql");
  auto bad = parse("pg.sql('x')");
  CHECK(first_error(bad) == "unknown schema 'pg': workflow functions live in schema df");
}

TEST_CASE("operators of equal natural precedence group left to right") {
  auto r_e = parse("'a' ~> 'b' ~> 'c'");
  const auto& e = body_of(r_e);
  REQUIRE(e.kind == ExprKind::Binary);
  CHECK(e.op == ast::BinaryOp::Seq);
  CHECK(e.lhs->kind == ExprKind::Binary);
  CHECK(e.rhs->literal.value == "c");
  auto r_m = parse("'a' | 'b' & 'c'");
  const auto& m = body_of(r_m);  // & and | share a level
  CHECK(m.op == ast::BinaryOp::Join);
  CHECK(m.lhs->op == ast::BinaryOp::Race);
}

TEST_CASE("falling precedence along a chain is the natural reading and is accepted") {
  auto r_e = parse("'a' |=> 'n' & 'b' ~> 'c'");
  const auto& e = body_of(r_e);
  CHECK(e.op == ast::BinaryOp::Seq);
  CHECK(e.lhs->op == ast::BinaryOp::Join);
  CHECK(e.lhs->lhs->op == ast::BinaryOp::Bind);
}

TEST_CASE("mixing operators where SQL grouping differs is an error with the parentheses") {
  auto r = parse("'a' ~> 'b' & 'c'");
  CHECK(first_error(r) ==
        "`'a' ~> 'b' & 'c'` groups as `('a' ~> 'b') & 'c'` in SQL; write the parentheses explicitly");
  CHECK(r.diagnostics[0].pos.column == 12);
  auto r2 = parse("'a' ~> 'b' |=> 'n'");
  CHECK(first_error(r2) ==
        "`'a' ~> 'b' |=> 'n'` groups as `('a' ~> 'b') |=> 'n'` in SQL; write the parentheses explicitly");
  auto ok = parse("('a' ~> 'b') & 'c'");
  CHECK(body_of(ok).op == ast::BinaryOp::Join);
  auto ok2 = parse("'a' ~> ('b' & 'c')");
  CHECK(body_of(ok2).op == ast::BinaryOp::Seq);
}

TEST_CASE("ternary c ?> t !> e") {
  auto r_e = parse("'c' ?> 't' !> 'e'");
  const auto& e = body_of(r_e);
  REQUIRE(e.kind == ExprKind::Ternary);
  CHECK(e.lhs->literal.value == "c");
  CHECK(e.rhs->literal.value == "t");
  CHECK(e.third->literal.value == "e");
  auto r_p = parse("('c' ?> 't') !> 'e'");
  const auto& p = body_of(r_p);
  CHECK(p.kind == ExprKind::Ternary);
  auto r_s = parse("'x' ~> 'c' ?> 't' !> 'e'");
  const auto& s = body_of(r_s);  // condition is x ~> c
  CHECK(s.lhs->kind == ExprKind::Binary);
}

TEST_CASE("ternary errors") {
  CHECK(first_error(parse("'c' ?> 't'")).find("`?>` without `!>`") == 0);
  CHECK(first_error(parse("'a' !> 'b'")) ==
        "Invalid if-then-else: left side of !> must be a ?> expression");
  CHECK(first_error(parse("'c' ?> 't' ~> 'u' !> 'e'")).find("groups as `('c' ?> 't') ~> 'u'`") !=
        std::string::npos);
  CHECK(first_error(parse("'a' ~> ('c' ?> 't')")).find("`?>` without `!>`") == 0);
  CHECK(first_error(parse("df.seq('c' ?> 't', 'x')")).find("`?>` without `!>`") == 0);
}

TEST_CASE("prefix @> binds only its operand") {
  auto r_e = parse("@> 'a' ~> 'b'");
  REQUIRE(r_e.diagnostics.size() == 1);  // legal, but a warning says what it means
  CHECK(r_e.diagnostics[0].severity == Severity::Warning);
  CHECK(r_e.diagnostics[0].message ==
        "`@> 'a' ~> 'b'` loops only 'a' (as in SQL); write `(@> 'a') ~> 'b'` or `@> ('a' ~> 'b')`");
  const auto& e = *r_e.file.workflows.at(0).body;
  REQUIRE(e.kind == ExprKind::Binary);
  CHECK(e.lhs->kind == ExprKind::Loop);
  CHECK(parse("(@> 'a') ~> 'b'").diagnostics.empty());
  CHECK(parse("'x' ~> @> 'a'").diagnostics.empty());
  auto r_l = parse("@> ('a' ~> 'b')");
  const auto& l = body_of(r_l);
  REQUIRE(l.kind == ExprKind::Loop);
  CHECK(l.lhs->kind == ExprKind::Binary);
  CHECK(body_of(parse("@> @> 'a'")).lhs->kind == ExprKind::Loop);
}

TEST_CASE("named workflows with parameters and defaults") {
  auto r = parse(
      "-- two workflows\n"
      "workflow nightly(days int = 7, region text, ok bool = TRUE) { 'SELECT {days}' }\n"
      "/* second */ WORKFLOW other() { df.sleep(1) }\n");
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.file.workflows.size() == 2);
  const auto& w = r.file.workflows[0];
  CHECK(w.name == "nightly");
  CHECK(w.pos.line == 2);
  REQUIRE(w.params.size() == 3);
  CHECK(w.params[0].name == "days");
  CHECK(w.params[0].type == "int");
  CHECK(w.params[0].default_value->value == "7");
  CHECK(w.params[0].default_source == "7");
  CHECK_FALSE(w.params[1].default_value.has_value());
  CHECK(w.params[2].default_value->kind == ast::LiteralKind::Bool);
  CHECK(r.file.workflows[1].name == "other");
  CHECK(r.file.workflows[1].params.empty());
}

TEST_CASE("syntax errors are all reported with positions") {
  auto r = parse("workflow a( { 'x' }\nworkflow b() { 'y' ~> }\n");
  REQUIRE(r.diagnostics.size() >= 2);
  CHECK(r.diagnostics[0].pos.line == 1);
  CHECK(r.diagnostics[0].message.find("syntax error") == 0);
  CHECK(r.diagnostics.back().pos.line == 2);
  CHECK(r.file.workflows.empty());
  auto bad_char = parse("'a' # 'b'");
  CHECK(first_error(bad_char) == "syntax error: unexpected character '#'");
  auto both = parse("workflow a() { 'x' } 'y'");
  CHECK(first_error(both).find("syntax error") == 0);
}

TEST_CASE("empty file") {
  CHECK(first_error(parse("  -- nothing\n")).find("empty workflow file") == 0);
}

TEST_CASE("lex keeps comments and positions") {
  auto toks = lex("'a' -- c\n~> /* b\nc */ 'b'");
  REQUIRE(toks.size() == 5);
  CHECK(toks[1].kind == TokenKind::LineComment);
  CHECK(toks[2].kind == TokenKind::Seq);
  CHECK(toks[2].pos.line == 2);
  CHECK(toks[3].kind == TokenKind::BlockComment);
  CHECK(toks[3].end_line == 3);
  CHECK(natural_precedence(TokenKind::Bind) > natural_precedence(TokenKind::Amp));
  CHECK(natural_precedence(TokenKind::Comma) == 0);
}

TEST_CASE("malformed UTF-8 and NUL are reported, never thrown") {
  auto bad = parse(std::string("'a' ~>\n 'b\x97'"));
  REQUIRE(bad.diagnostics.size() == 1);
  CHECK(bad.diagnostics[0].message == "invalid UTF-8 byte sequence in source");
  CHECK(bad.diagnostics[0].pos.line == 2);
  CHECK(bad.diagnostics[0].pos.column == 4);
  CHECK(first_error(parse(std::string("'a\0'", 4))) ==
        "NUL character in source (PostgreSQL text cannot contain it)");
  CHECK(first_error(parse("'\xED\xA0\x80'")) == "invalid UTF-8 byte sequence in source");  // surrogate
  CHECK(first_error(parse("'\xC0\x80'")) == "invalid UTF-8 byte sequence in source");      // overlong
  CHECK(first_error(parse("'\xF4\x90\x80\x80'")) == "invalid UTF-8 byte sequence in source");
  CHECK(body_of(parse("'\xC3\xA9\xF0\x9F\x98\x80'")).literal.value == "\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(lex("'\x97'").empty());
}

TEST_CASE("syntax error messages name tokens as users write them") {
  auto r = parse("workflow t() { 'y' ~> }");
  REQUIRE_FALSE(r.diagnostics.empty());
  const std::string& m = r.diagnostics[0].message;
  CHECK(m.find("NULL_KW") == std::string::npos);
  CHECK(m.find("NULL") != std::string::npos);
  CHECK(m.find("'string'") != std::string::npos);
  CHECK(m.find("name") != std::string::npos);
}
