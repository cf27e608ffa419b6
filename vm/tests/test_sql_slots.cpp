// test_sql_slots.cpp — the rule for where a substituted value may go in SQL and how it is
// written (sql_slots.hpp, issue 11 item 4): one case per template context and value kind.
#include <doctest/doctest.h>

#include "sql_slots.hpp"
#include "substitute.hpp"

using namespace df::vm;

namespace {

std::string with(std::string_view tmpl, const std::string& result) {
  return substitute_results(tmpl, {{"sig", result}}, SubstMode::Sql);
}
// A signal-shaped result {"data": value} read as $sig.data.
std::string data(std::string_view tmpl, const std::string& json_value) {
  return with(tmpl, "{\"data\":" + json_value + "}");
}
std::string error_of(std::string_view tmpl, const std::string& json_value) {
  try {
    data(tmpl, json_value);
  } catch (const SubstError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("sql slots: the reported attack, 1000-$sig.data with -5, stays one subtraction") {
  CHECK(data("UPDATE victim SET bal = 1000-$sig.data WHERE id = 1", "-5") ==
        "UPDATE victim SET bal = 1000-(-5) WHERE id = 1");
  CHECK(data("SELECT 1000-$sig.data", "-0.5") == "SELECT 1000-(-0.5)");
  CHECK(data("SELECT @$sig.data", "-1") == "SELECT @(-1)");  // @- would be one operator
  CHECK(data("SELECT $sig.data", "5") == "SELECT 5");
}

TEST_CASE("sql slots: every value kind is one literal in code") {
  CHECK(data("SELECT $sig.data", "\"O'Brien\"") == "SELECT 'O''Brien'");
  CHECK(data("SELECT $sig.data", "\"a\\\\b'\"") == "SELECT E'a\\\\b'''");  // backslash: E''
  CHECK(data("SELECT $sig.data", "true") == "SELECT true");
  CHECK(data("SELECT $sig.data", "{\"k\":[1,\"'\"]}") == "SELECT '{\"k\":[1,\"''\"]}'");
  CHECK(data("SELECT $sig.data?", "null") == "SELECT NULL");
  CHECK(data("SELECT $sig.data", "12345678901234567890") == "SELECT 12345678901234567890");
  CHECK(data("SELECT -$sig.data", "1e300") == "SELECT -1e300");
  // A result that is not JSON is its whole text, quoted.
  CHECK(with("SELECT $sig", "NaN") == "SELECT 'NaN'");
  CHECK(with("SELECT $sig", "-Infinity'; DROP TABLE t; --") == "SELECT '-Infinity''; DROP TABLE t; --'");
}

TEST_CASE("sql slots: a value never fuses with its neighbours") {
  CHECK(data("SELECT E$sig.data", "\"x\"") == "SELECT E 'x'");      // not an E'' string
  CHECK(data("SELECT U&$sig.data", "\"x\"") == "SELECT U& 'x'");    // not a U&'' string
  CHECK(data("SELECT 1.$sig.data", "5") == "SELECT 1. 5");
  CHECK(data("SELECT $sig.data'x'", "\"a\"") == "SELECT 'a' 'x'");  // not 'a''x'
  CHECK(data("SELECT x$sig.data", "true") == "SELECT x true");
  CHECK(data("SELECT $sig.data$$", "1") == "SELECT 1 $$");
  // 'a'<newline>'b' is one string in PostgreSQL: the value is kept apart.
  CHECK(data("SELECT 'a'\n$sig.data", "\"b\"") == "SELECT 'a'\n('b')");
  CHECK(data("SELECT $sig.data\n  'b'", "\"a\"") == "SELECT ('a')\n  'b'");
  CHECK(data("SELECT 'a' $sig.data", "\"b\"") == "SELECT 'a' 'b'");  // same line: no merge
}

TEST_CASE("sql slots: inside a template string the value is that string's content") {
  CHECK(data("SELECT 'n=$sig.data'", "5") == "SELECT 'n=5'");
  CHECK(data("SELECT 'hi $sig.data!'", "\"'; DROP TABLE t; --\"") ==
        "SELECT 'hi ''; DROP TABLE t; --!'");
  CHECK(data("SELECT E'hi $sig.data'", "\"\\\\'\"") == "SELECT E'hi \\\\'''");
  CHECK(data("SELECT 'x$sig.data'", "\"a\\\\\"") == "SELECT 'xa\\'");  // standard string
  CHECK(data("SELECT 'v=$sig.data?'", "null") == "SELECT 'v=NULL'");
  std::string msg;
  try {
    substitute_results("SELECT '$r.*'", {{"r", R"({"rows":[{"a":1}]})"}}, SubstMode::Sql);
  } catch (const SubstError& e) {
    msg = e.what();
  }
  CHECK(msg == "$r.* expands to a row set and cannot be written inside a string literal");
}

TEST_CASE("sql slots: B'...' and X'...' have no doubled quote (fuzz_substitute finding)") {
  CHECK(data("SELECT b'$sig.data'", "\"101\"") == "SELECT b'101'");
  CHECK(data("SELECT X'$sig.data'::int", "255") == "SELECT X'255'::int");
  // b'' '' would be two literals: a quote is refused, not doubled.
  CHECK(error_of("SELECT (a\nb'$sig.data'", "\"'\"") ==
        "$sig.data holds a quote and is inside a bit-string literal (B'...' or X'...'), where a quote "
        "cannot be written");
  // A '' in the template ends the bit string: the reference after it is code again.
  CHECK(data("SELECT B'1''$sig.data'", "\"x\"") == "SELECT B'1''x'");
  // A '$' or digits before the letter are tokens of their own: still a bit string, and
  // an E-string after them still escapes backslashes (fuzz_substitute finding).
  CHECK(error_of("SELECT 1$b'$sig.data'", "\"x''\"").find("inside a bit-string literal") != std::string::npos);
  CHECK(data("SELECT 1b'$sig.data'", "\"101\"") == "SELECT 1b'101'");
  CHECK(data("SELECT $E'$sig.data'", "\"\\\\'\"") == "SELECT $E'\\\\'''");
  // After a dollar quote closes, b' and E' start literals of their own: the characters
  // before the letter belong to the quote's delimiter (fuzz_substitute finding).
  CHECK(error_of("SELECT $v$x$v$b'$sig.data'", "\"x'\"").find("inside a bit-string literal") != std::string::npos);
  CHECK(data("SELECT $v$x$v$E'$sig.data'", "\"\\\\'\"") == "SELECT $v$x$v$E'\\\\'''");
  // Only the one-letter prefixes: ab'..' is a name followed by a string.
  CHECK(data("SELECT ab'$sig.data'", "\"'\"") == "SELECT ab''''");
}

TEST_CASE("sql slots: comments keep the reference as written, quoted names refuse it") {
  CHECK(data("SELECT 1 -- $sig.data\n, 2", "\"x\ny\"") == "SELECT 1 -- $sig.data\n, 2");
  CHECK(data("SELECT 1 /* $sig.data /* nested */ $sig.data */, $sig.data", "\"*/\"") ==
        "SELECT 1 /* $sig.data /* nested */ $sig.data */, '*/'");
  // A strict reference in a comment is not evaluated, so it cannot fail the step.
  CHECK(substitute_results("SELECT 1 -- $none", {{"none", R"({"rows":[]})"}}, SubstMode::Sql) ==
        "SELECT 1 -- $none");
  CHECK(error_of("SELECT \"col$sig.data\" FROM t", "1") ==
        "$sig.data is inside a quoted identifier: a value can only be a literal, never a name");
}

TEST_CASE("sql slots: dollar quotes") {
  // $sig$ is a delimiter, not a reference to the result named sig.
  CHECK(with("SELECT $sig$text$sig$", "1") == "SELECT $sig$text$sig$");
  CHECK(data("DO $$ BEGIN PERFORM $sig.data; END $$", "\"x\"") ==
        "DO $$ BEGIN PERFORM 'x'; END $$");
  CHECK(error_of("DO $$ BEGIN PERFORM $sig.data; END $$", "\"$$; DROP TABLE t; --\"") ==
        "$sig.data holds $$, the delimiter of the dollar-quoted text it is written in");
  CHECK(data("DO $f$ BEGIN PERFORM $sig.data; END $f$", "\"$$\"") ==
        "DO $f$ BEGIN PERFORM '$$'; END $f$");
  CHECK(data("SELECT $1, $sig.data", "2") == "SELECT $1, 2");  // a parameter is code
  // Fuzz finding: regions are read on the statement being built, not on the template. Here
  // the padding after the first value makes "$$" open a dollar quote the template did not.
  // Fuzz finding: after the parameter $6, "$$" opens a dollar quote.
  CHECK(error_of("SELECT $6$$ $sig.data $$", "\"$$; x\"") ==
        "$sig.data holds $$, the delimiter of the dollar-quoted text it is written in");
  CHECK(error_of("SELECT $sig.data$$ $sig.data $$", "\"$$; x\"") ==
        "$sig.data holds $$, the delimiter of the dollar-quoted text it is written in");
}

TEST_CASE("sql slots: row sets use the same number rule") {
  CHECK(substitute_results("SELECT * FROM $r.*", {{"r", R"({"rows":[{"a":-1,"b":"x\\y"}]})"}},
                           SubstMode::Sql) ==
        "SELECT * FROM (VALUES ((-1),E'x\\\\y'::text)) AS \"r\"(\"a\",\"b\")");
}

TEST_CASE("sql slots: scan finds each token kind and its content") {
  using namespace df::vm::sql;
  const std::string t = "a 'b''c' E'd\\'e' \"f\" $q$g$q$ -- h\n/* i /* j */ */ $$k";
  auto spans = scan(t);
  REQUIRE(spans.size() == 7);
  auto content = [&](const Span& s) { return t.substr(s.begin, s.end - s.begin); };
  CHECK((spans[0].region == Region::String && content(spans[0]) == "b''c"));
  CHECK((spans[1].region == Region::EscapeString && content(spans[1]) == "d\\'e"));
  CHECK((spans[2].region == Region::QuotedIdent && content(spans[2]) == "f"));
  CHECK((spans[3].region == Region::DollarBody && content(spans[3]) == "g" && spans[3].delimiter == "$q$"));
  CHECK((spans[4].region == Region::Comment && content(spans[4]) == " h"));
  CHECK((spans[5].region == Region::Comment && content(spans[5]) == " i /* j */ "));
  CHECK((spans[6].region == Region::DollarBody && content(spans[6]) == "k"));  // unterminated
  CHECK(scan("x$$y").empty());  // $ inside an identifier opens nothing
  CHECK(is_json_number("-0.5e+3"));
  CHECK_FALSE(is_json_number("01"));
  CHECK_FALSE(is_json_number("NaN"));
  CHECK_FALSE(is_json_number("-"));
}
