// test_substitute.cpp — `{variable}` and `$result` substitution (REFERENCE.md §9): each
// form in SQL and raw mode, a good and a bad case each.
#include <doctest/doctest.h>

#include "substitute.hpp"

using namespace df::vm;

namespace {

const NamedResults kResults = {
    {"r", R"({"rows":[{"id":7,"name":"O'Brien","tags":[1,2],"z":null}],"row_count":1})"},
    {"r2", R"({"rows":[{"a":1,"b":"x"},{"a":2,"b":null}],"row_count":2})"},
    {"none", R"({"rows":[],"row_count":0})"},
    {"nul", R"({"rows":[{"v":null}],"row_count":1})"},
    {"http", R"({"status":200,"body":"hi","ok":true})"},
    {"arr", R"([1,{"a":2}])"},
    {"text", "plain 'words'"},
};

std::string sql(std::string_view t) { return substitute_results(t, kResults, SubstMode::Sql); }
std::string raw(std::string_view t) { return substitute_results(t, kResults, SubstMode::Raw); }

std::string error_of(std::string_view t, SubstMode mode) {
  try {
    substitute_results(t, kResults, mode);
  } catch (const SubstError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("subst: {variables}, sys_instance_id and sys_label are inserted raw") {
  Variables vars = {{"tbl", "orders"}, {"frag", "a = 'x'"}};
  SubstContext ctx{"abcd1234", "nightly", &vars, nullptr};
  CHECK(substitute_variables("SELECT * FROM {tbl} WHERE {frag}", ctx) ==
        "SELECT * FROM orders WHERE a = 'x'");
  CHECK(substitute_variables("{sys_instance_id}/{sys_label}", ctx) == "abcd1234/nightly");
  SubstContext no_label{"abcd1234", "", &vars, nullptr};
  CHECK(substitute_variables("[{sys_label}]", no_label) == "[]");
  // Unknown names, non-identifiers and JSON are untouched; nested braces still work.
  CHECK(substitute_variables("{nope} {1x} {\"a\": 1}", ctx) == "{nope} {1x} {\"a\": 1}");
  CHECK(substitute_variables("{\"t\": {tbl}}", ctx) == "{\"t\": orders}");
  // Inserted values are not re-scanned; an unclosed brace ends processing.
  Variables loop = {{"a", "{b}"}, {"b", "no"}};
  SubstContext lctx{"i", "", &loop, nullptr};
  CHECK(substitute_variables("{a}", lctx) == "{b}");
  CHECK(substitute_variables("{a} {b", lctx) == "{b} {b");
}

TEST_CASE("subst: variables first, then $results over the whole text") {
  Variables vars = {{"ref", "$r"}};
  SubstContext ctx{"i", "", &vars, &kResults};
  CHECK(substitute("SELECT {ref}", ctx, SubstMode::Sql) == "SELECT 7");
  SubstContext no_results{"i", "", &vars, nullptr};
  CHECK(substitute("SELECT {ref}", no_results, SubstMode::Sql) == "SELECT $r");
}

TEST_CASE("subst: $name is the first column of the first row, strict") {
  CHECK(sql("SELECT $r + 1") == "SELECT 7 + 1");
  CHECK(sql("SELECT $r2;") == "SELECT 1;");
  CHECK(error_of("SELECT $none", SubstMode::Sql) == "$none has no rows — query returned zero results");
  CHECK(error_of("SELECT $nul", SubstMode::Sql) == "$nul is NULL — first column of first row is NULL");
  // Word boundary: `$rx` is no reference (no result named rx), `$r2` is the longer name.
  CHECK(sql("SELECT $rx") == "SELECT $rx");
  CHECK(sql("SELECT $unknown, $, $1") == "SELECT $unknown, $, $1");
  CHECK(substitute_results("SELECT $r", {}, SubstMode::Sql) == "SELECT $r");
}

TEST_CASE("subst: $name? yields NULL for no rows or NULL") {
  CHECK(sql("SELECT $none?") == "SELECT NULL");
  CHECK(sql("SELECT $nul?") == "SELECT NULL");
  CHECK(sql("SELECT $r?") == "SELECT 7");
  CHECK(raw("v=$none?") == "v=null");
}

TEST_CASE("subst: whole-result forms for non-row results") {
  CHECK(sql("SELECT $http") == R"(SELECT '{"status":200,"body":"hi","ok":true}')");
  CHECK(sql("SELECT $text") == "SELECT 'plain ''words'''");
  CHECK(raw("$arr") == R"([1,{"a":2}])");
  CHECK(raw("$text") == "plain 'words'");
}

TEST_CASE("subst: values are SQL literals in SQL mode and plain text in raw mode") {
  CHECK(sql("SELECT $r.name") == "SELECT 'O''Brien'");
  CHECK(raw("name=$r.name") == "name=O'Brien");
  CHECK(sql("SELECT $r.tags") == "SELECT '[1,2]'");
  CHECK(raw("$r.tags") == "[1,2]");
  // A hostile value stays inside its literal.
  NamedResults evil = {{"e", R"({"rows":[{"v":"x'; DROP TABLE t; --"}],"row_count":1})"}};
  CHECK(substitute_results("SELECT $e", evil, SubstMode::Sql) == "SELECT 'x''; DROP TABLE t; --'");
}

TEST_CASE("subst: $name.col and $name.col?") {
  CHECK(sql("SELECT $r.id") == "SELECT 7");
  CHECK(sql("SELECT $http.status, $http.ok") == "SELECT 200, true");
  CHECK(raw("$http.body") == "hi");
  CHECK(error_of("$r.z", SubstMode::Sql) == "$r.z is NULL");
  CHECK(sql("SELECT $r.z?") == "SELECT NULL");
  CHECK(error_of("$none.a", SubstMode::Sql) == "$none has no rows — query returned zero results");
  CHECK(sql("SELECT $none.a?") == "SELECT NULL");
  // Missing field: SQL mode leaves the text; raw mode names the available fields.
  CHECK(sql("SELECT $r.missing") == "SELECT $r.missing");
  CHECK(error_of("$http.missing", SubstMode::Raw) ==
        "$http.missing: result has no field 'missing' (available: status, body, ok)");
  CHECK(raw("$http.missing?") == "$http.missing?");
  CHECK(sql("SELECT $http.missing?") == "SELECT $http.missing?");
  // `$name.` followed by a non-identifier falls back to `$name`; the value never fuses
  // with the text after it (7.1 would be one number: sql_slots.hpp).
  CHECK(sql("SELECT $r.1") == "SELECT 7 .1");
}

TEST_CASE("subst: $name.* row-set expansion") {
  CHECK(sql("SELECT * FROM $r2.*") ==
        R"(SELECT * FROM (VALUES (1,'x'::text),(2,NULL)) AS "r2"("a","b"))");
  CHECK(sql("SELECT * FROM $none.*") == R"(SELECT * FROM (SELECT NULL WHERE false) AS "none")");
  CHECK(sql("SELECT * FROM $r.*") ==
        R"(SELECT * FROM (VALUES (7,'O''Brien'::text,'[1,2]'::text,NULL)) AS "r"("id","name","tags","z"))");
  CHECK(raw("$r2.*") == R"([{"a":1,"b":"x"},{"a":2,"b":null}])");
  CHECK(error_of("$http.*", SubstMode::Sql) == "$http.* — invalid result format");
  std::string big = R"({"rows":[)";
  for (int i = 0; i <= 10000; ++i) big += (i ? "," : "") + std::string(R"({"a":1})");
  big += R"(],"row_count":10001})";
  NamedResults many = {{"big", big}};
  std::string err;
  try {
    substitute_results("$big.*", many, SubstMode::Sql);
  } catch (const SubstError& e) {
    err = e.what();
  }
  CHECK(err.find("exceeding the maximum of 10000 for row-set expansion") != std::string::npos);
}

TEST_CASE("subst: longest names first") {
  NamedResults rs = {{"a", R"({"rows":[{"v":1}],"row_count":1})"},
                     {"ab", R"({"rows":[{"v":2}],"row_count":1})"}};
  CHECK(substitute_results("$ab $a $abc", rs, SubstMode::Sql) == "2 1 $abc");
}

TEST_CASE("subst: HTTP config — url, body and string headers in raw mode") {
  Variables vars = {{"host", "api.example.com"}};
  NamedResults res = {{"r", R"({"rows":[{"id":7,"name":"O'Brien"}],"row_count":1})"}};
  SubstContext ctx{"abcd1234", "", &vars, &res};
  const std::string cfg =
      R"({"url":"https://{host}/items/$r.id","method":"POST","body":"{\"n\":\"$r.name\"}",)"
      R"("headers":{"X-Id":"{sys_instance_id}","X-N":5},"timeout_seconds":30})";
  CHECK(substitute_http_config(cfg, ctx) ==
        R"({"url":"https://api.example.com/items/7","method":"POST","body":"{\"n\":\"O'Brien\"}",)"
        R"("headers":{"X-Id":"abcd1234","X-N":5},"timeout_seconds":30})");
  CHECK_THROWS_AS(substitute_http_config("not json", ctx), SubstError);
  NamedResults none = {{"r", R"({"rows":[],"row_count":0})"}};
  SubstContext bad{"abcd1234", "", &vars, &none};
  CHECK_THROWS_WITH_AS(substitute_http_config(R"({"url":"https://x/$r"})", bad),
                       "$r has no rows — query returned zero results", SubstError);
}

TEST_CASE("subst: multipart data_b64 takes only a whole-value reference") {
  Variables vars = {{"blob", "aGVsbG8="}};
  NamedResults res = {{"f", R"({"rows":[{"b64":"d29ybGQ=","fname":"a.txt"}],"row_count":1})"}};
  SubstContext ctx{"i", "", &vars, &res};
  const std::string good =
      R"({"url":"https://x/up","method":"POST","parts":[)"
      R"({"name":"p1","data_b64":" $f.b64 ","filename":"$f.fname","content_type":"$f.x"},)"
      R"({"name":"p2","data_b64":"{blob}"},{"name":"p3","data_b64":"cGxhaW4="}]})";
  CHECK(substitute_multipart_config(good, ctx) ==
        R"({"url":"https://x/up","method":"POST","parts":[)"
        R"({"name":"p1","data_b64":"d29ybGQ=","filename":"a.txt","content_type":"$f.x"},)"
        R"({"name":"p2","data_b64":"aGVsbG8="},{"name":"p3","data_b64":"cGxhaW4="}]})");
  const std::string mixed = R"({"url":"https://x","parts":[{"name":"p","data_b64":"AA$f.b64"}]})";
  std::string err;
  try {
    substitute_multipart_config(mixed, ctx);
  } catch (const SubstError& e) {
    err = e.what();
  }
  CHECK(err.find("whole-value reference") != std::string::npos);
}
