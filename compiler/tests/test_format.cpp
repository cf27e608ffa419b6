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
