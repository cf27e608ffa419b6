// test_format.cpp — unit tests of `dfc fmt` (format.hpp): canonical layout, comments kept
// in place, idempotence, broken input left alone, and text -> fmt -> text compiling to the
// same wire JSON.
#include <doctest/doctest.h>

#include <string>

#include "compile.hpp"
#include "format.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {

std::string fmt(const std::string& src) {
  Diagnostics d;
  std::string out = format_source(src, &d);
  std::string msgs;
  for (const auto& x : d) msgs += std::to_string(x.pos.line) + ":" + std::to_string(x.pos.column) + ": " + x.message + "\n";
  INFO(msgs);
  REQUIRE(d.empty());
  return out;
}

std::string all_json(const std::string& src) {
  CompileResult r = compile(src);
  std::string out;
  for (const auto& w : r.workflows) out += w.name + "=" + (w.root ? to_json(*w.root) : "-") + "\n";
  return out;
}

const char* kMessy =
    "-- header comment\n"
    "\n"
    "workflow   nightly ( days int=7 ,region text )   {   'DELETE FROM t WHERE d < {days}'~>df.sleep( 60 )\n"
    "~> (( 'a'&'b' ) |=> 'both')   -- name it\n"
    "   ~>  df.http( 'https://x.test/{region}' , headers=>'{\"a\":1}'::jsonb )}\n"
    "workflow other() { @>( 'SELECT 1' ~> df.break() ) }\n";

}  // namespace

TEST_CASE("canonical layout of a bare expression") {
  CHECK(fmt("'a'~>'b' ~>df.sleep(1)") == "'a'\n~> 'b'\n~> df.sleep(1)\n");
  CHECK(fmt("df.seq( 'a' ,b=>'b' )") == "df.seq('a', b => 'b')\n");
  CHECK(fmt("'c' ?> 't'   !> 'e'") == "'c' ?> 't' !> 'e'\n");
  CHECK(fmt("@>('a'~>'b')") == "@> ('a' ~> 'b')\n");
  CHECK(fmt("df.sleep( - 5 )") == "df.sleep(-5)\n");
  CHECK(fmt("'{}'  ::  jsonb") == "'{}'::jsonb\n");
}

TEST_CASE("canonical layout of named workflows, comments kept") {
  const std::string expected =
      "-- header comment\n"
      "\n"
      "workflow nightly(days int = 7, region text) {\n"
      "  'DELETE FROM t WHERE d < {days}'\n"
      "  ~> df.sleep(60)\n"
      "  ~> (('a' & 'b') |=> 'both') -- name it\n"
      "  ~> df.http('https://x.test/{region}', headers => '{\"a\":1}'::jsonb)\n"
      "}\n"
      "\n"
      "workflow other() {\n"
      "  @> ('SELECT 1' ~> df.break())\n"
      "}\n";
  CHECK(fmt(kMessy) == expected);
}

TEST_CASE("own-line comments stay on their own line; block comments kept verbatim") {
  const std::string src =
      "workflow a() { -- after brace\n"
      "  'x'\n"
      "\n"
      "\n"
      "  /* explain\n     the next step */\n"
      "  ~> 'y' /* inline */ ~> 'z'\n"
      "}\n";
  const std::string expected =
      "workflow a() { -- after brace\n"
      "  'x'\n"
      "\n"
      "  /* explain\n     the next step */\n"
      "  ~> 'y' /* inline */\n"
      "  ~> 'z'\n"
      "}\n";
  CHECK(fmt(src) == expected);
  CHECK(fmt("df.seq('a', -- first\n'b')") == "df.seq('a', -- first\n  'b')\n");
}

TEST_CASE("fmt is idempotent and keeps the meaning") {
  const std::string once = fmt(kMessy);
  CHECK(fmt(once) == once);
  CHECK(all_json(once) == all_json(kMessy));
  const char* samples[] = {
      "E'a\\nb' ~> $$x$$ ~> $t$ y $t$",
      "df.if('c', 't', -- why\n 'e') ~> /* a */ 'z'",
      "workflow w(a int = -1) { 'SELECT {a}' } -- end\n",
      "('c' ?> 't') !> 'e'",
  };
  for (const char* s : samples) {
    std::string f = fmt(s);
    CHECK(fmt(f) == f);
    CHECK(all_json(f) == all_json(s));
  }
}

TEST_CASE("broken input is returned unchanged with its errors") {
  Diagnostics d;
  const std::string src = "'a' ~> ~> 'b'";
  CHECK(format_source(src, &d) == src);
  REQUIRE_FALSE(d.empty());
  CHECK(d[0].message.find("syntax error") == 0);
  Diagnostics d2;
  CHECK(format_source("'a' ~> 'b' & 'c'", &d2) == "'a' ~> 'b' & 'c'");
  CHECK(d2.size() == 1);
}

namespace {
std::string fmt_width(const std::string& src, std::size_t width) {
  df::compiler::Diagnostics d;
  std::string out = df::compiler::format_source(src, &d, width);
  REQUIRE(d.empty());
  return out;
}
std::size_t widest_line(const std::string& s) {
  std::size_t widest = 0, start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '\n') {
      widest = std::max(widest, i - start);
      start = i + 1;
    }
  return widest;
}
}  // namespace

TEST_CASE("fmt breaks the outermost group of a line wider than the limit, then inward") {
  CHECK(fmt_width("@> (('SELECT id FROM jobs LIMIT 10' |=> 'pending') ~> df.if_rows('pending', df.sleep(5), df.break()))", 60) ==
        "@> (\n"
        "  ('SELECT id FROM jobs LIMIT 10' |=> 'pending')\n"
        "  ~> df.if_rows('pending', df.sleep(5), df.break())\n"
        ")\n");
  CHECK(fmt_width("df.http('https://hooks.example.com/x', body => '{\"done\": true}', timeout_seconds => 10)", 40) ==
        "df.http(\n"
        "  'https://hooks.example.com/x',\n"
        "  body => '{\"done\": true}',\n"
        "  timeout_seconds => 10\n"
        ")\n");
  // a narrow limit keeps breaking inward; a literal wider than the limit stays whole
  CHECK(fmt_width("('SELECT 1' & ('SELECT 2' | 'SELECT 3'))", 20) ==
        "(\n"
        "  'SELECT 1'\n"
        "  & (\n"
        "    'SELECT 2'\n"
        "    | 'SELECT 3'\n"
        "  )\n"
        ")\n");
  CHECK(fmt_width("'SELECT a_very_long_column_name FROM t'", 10) == "'SELECT a_very_long_column_name FROM t'\n");
  // lines that fit are left alone, whatever the limit
  CHECK(fmt_width("@> ('a' ~> 'b')", 100) == "@> ('a' ~> 'b')\n");
}

TEST_CASE("a long loop body, a wide join and a race stay under 100 columns, idempotently, same meaning") {
  std::string body;
  for (int i = 0; i < 18; ++i)
    body += std::string(i ? " ~> " : "") + "('UPDATE jobs SET state = ''step" + std::to_string(i) + "'' WHERE id = {id}' |=> 's" +
            std::to_string(i) + "')";
  const std::string loop = "workflow w(id int) { @> (" + body + ") }";
  const std::string join = "workflow j() { df.join('SELECT count(*) FROM orders_2024', 'SELECT count(*) FROM orders_2025', "
                           "'SELECT count(*) FROM orders_2026', 'SELECT count(*) FROM refunds') }";
  const std::string race = "workflow r() { (df.wait_for_signal('approved', timeout_seconds => 86400) |=> 'answer') | "
                           "(df.sleep(86400) ~> 'UPDATE invoices SET state = ''expired'' WHERE id = 1') }";
  for (const std::string& src : {loop, join, race}) {
    const std::string once = fmt(src);
    CHECK(widest_line(once) <= 100);
    CHECK(fmt(once) == once);
    CHECK(all_json(once) == all_json(src));
  }
  CHECK(fmt(loop).find("\n  @> (\n    ('UPDATE jobs SET state = ''step0'' WHERE id = {id}' |=> 's0')\n    ~> (") !=
        std::string::npos);
}

TEST_CASE("comments do not count towards the width") {
  const std::string src = "'a' ~> df.sleep(1) -- " + std::string(120, 'x') + "\n";
  CHECK(fmt(src) == "'a'\n~> df.sleep(1) -- " + std::string(120, 'x') + "\n");
}
