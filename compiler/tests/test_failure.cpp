// test_failure.cpp — unit tests of the failure-handling IR (failure.hpp): durations, the
// RETRY node's builder bounds, its wire config, validation, explain, and the language's
// df.retry producing exactly what the SQL constructor builds; the same for CATCH, UNDO
// and TIMEOUT.
#include <doctest/doctest.h>

#include <string>

#include "args.hpp"
#include "compile.hpp"
#include "explain.hpp"
#include "failure.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {

std::int64_t ms(const char* text) {
  std::string why;
  auto v = parse_duration_ms(text, &why);
  INFO(why);
  REQUIRE(v);
  return *v;
}

bool bad_duration(const char* text) { return !parse_duration_ms(text, nullptr); }

CompileResult compiled(const std::string& src) { return compile(src); }

std::string first_error(const std::string& src) {
  for (const auto& d : compile(src).diagnostics)
    if (d.severity == Severity::Error) return d.message;
  return "";
}

}  // namespace

TEST_CASE("durations: seconds, units and sums") {
  CHECK(ms("5") == 5000);
  CHECK(ms("0.25") == 250);
  CHECK(ms("1 second") == 1000);
  CHECK(ms("250 ms") == 250);
  CHECK(ms("2 minutes") == 120000);
  CHECK(ms("1 minute 30 seconds") == 90000);
  CHECK(ms("1h") == 3600000);
  CHECK(ms(" 1 Day ") == 86400000);
  CHECK(bad_duration(""));
  CHECK(bad_duration("soon"));
  CHECK(bad_duration("1 fortnight"));
  CHECK(bad_duration("-1 second"));
  CHECK(bad_duration("1 2"));
  CHECK(bad_duration("99999999999999999 days"));
  CHECK(format_duration_ms(90000) == "1m30s");
  CHECK(format_duration_ms(250) == "250ms");
}

TEST_CASE("make_retry: wire config and upper bounds") {
  auto n = make_retry(make_sql("SELECT 1"), RetryArgs{5, 1000, 60000});
  auto back = parse_strict(to_json(*n));
  REQUIRE(back->type == df::ir::NodeType::Retry);
  auto a = decode_retry(*back, nullptr);
  REQUIRE(a);
  CHECK(a->max_attempts == 5);
  CHECK(a->backoff_ms == 1000);
  CHECK(a->max_backoff_ms == 60000);
  CHECK_THROWS_WITH(make_retry(make_sql("x"), RetryArgs{0, 1000, 1000}),
                    "df.retry: max_attempts must be between 1 and 100");
  CHECK_THROWS_WITH(make_retry(make_sql("x"), RetryArgs{101, 1000, 1000}),
                    "df.retry: max_attempts must be between 1 and 100");
  CHECK_THROWS_WITH(make_retry(make_sql("x"), RetryArgs{3, 2000, 1000}),
                    "df.retry: max_backoff must be between backoff and 1 day");
  CHECK_THROWS_WITH(make_retry(make_sql("x"), RetryArgs{3, kMaxBackoffMs + 1, kMaxBackoffMs + 1}),
                    "df.retry: backoff must be between 0 and 1 day");
}

TEST_CASE("validation of stored RETRY nodes") {
  auto bad = parse_strict(
      R"({"node_type":"RETRY","query":"{\"max_attempts\":1000,\"backoff_ms\":1,\"max_backoff_ms\":1}",)"
      R"("left_node":{"node_type":"SQL","query":"SELECT 1"}})");
  CHECK_THROWS_WITH(validate_or_throw(*bad),
                    "Invalid durable function graph: root: RETRY: max_attempts must be between 1 and 100");
  auto no_step = parse_strict(
      R"({"node_type":"RETRY","query":"{\"max_attempts\":2,\"backoff_ms\":1,\"max_backoff_ms\":1}"})");
  CHECK_THROWS_WITH(validate_or_throw(*no_step), "Invalid durable function graph: root: RETRY node requires left_node");
  auto no_config = parse_strict(R"({"node_type":"RETRY","left_node":{"node_type":"SQL","query":"SELECT 1"}})");
  CHECK_THROWS(validate_or_throw(*no_config));
}

TEST_CASE("a result bound inside df.retry is bound after it (no false warning)") {
  auto r = compiled("df.retry('SELECT 1' |=> 'a') ~> 'SELECT $a'");
  for (const auto& d : r.diagnostics) CHECK_MESSAGE(d.severity != Severity::Warning, d.message);
}

TEST_CASE("language df.retry equals the builder; durations as numbers or strings") {
  auto r = compiled("df.retry('SELECT 1', max_attempts => 5, backoff => '1 second', max_backoff => 60)");
  REQUIRE_FALSE(has_errors(r.diagnostics));
  CHECK(to_json(*r.workflows[0].root) == to_json(*make_retry(make_sql("SELECT 1"), RetryArgs{5, 1000, 60000})));
  auto d = compiled("retry('SELECT 1')");  // defaults: 3 attempts, 1 second doubling to 1 minute
  REQUIRE_FALSE(has_errors(d.diagnostics));
  CHECK(to_json(*d.workflows[0].root) == to_json(*make_retry(make_sql("SELECT 1"), RetryArgs{3, 1000, 60000})));
  CHECK(first_error("df.retry('SELECT 1', max_attempts => 0)") ==
        "df.retry: max_attempts must be between 1 and 100");
  CHECK(first_error("df.retry('SELECT 1', backoff => 'soon')").find("invalid duration 'soon'") == 0);
  CHECK(first_error("df.retry('SELECT 1', tries => 3)") == "df.retry() has no parameter named 'tries'");
}

TEST_CASE("explain shows the policy and the wrapped step") {
  auto n = make_retry(make_sql("SELECT 1"), RetryArgs{5, 1000, 60000});
  const std::string text = explain_tree(*n);
  CHECK(text.find("RETRY (5 attempts, backoff 1s..1m)") != std::string::npos);
  CHECK(text.find("SQL: SELECT 1") != std::string::npos);
}

TEST_CASE("make_catch: wire config, error name check, round trip and validation") {
  auto n = make_catch(make_sql("SELECT 1"), make_sql("SELECT 2"), CatchArgs{"err"});
  auto back = parse_strict(to_json(*n));
  REQUIRE(back->type == df::ir::NodeType::Catch);
  CHECK(decode_catch(*back, nullptr)->error_name == "err");
  CHECK_NOTHROW(validate_or_throw(*back));
  CHECK_THROWS_WITH(make_catch(make_sql("x"), make_sql("y"), CatchArgs{"1bad"}),
                    doctest::Contains("df.catch: error_name"));
  auto no_handler = parse_strict(
      R"({"node_type":"CATCH","query":"{\"error_name\":\"e\"}","left_node":{"node_type":"SQL","query":"SELECT 1"}})");
  CHECK_THROWS_WITH(validate_or_throw(*no_handler),
                    "Invalid durable function graph: root: CATCH node requires right_node");
}

TEST_CASE("language try/catch equals df.catch; the handler may use the error") {
  auto r = compiled("try { 'SELECT 1' ~> 'SELECT 2' } catch (err) { 'SELECT $err.message' }");
  std::string msgs;
  for (const auto& d : r.diagnostics) msgs += d.message + "\n";
  INFO(msgs);
  REQUIRE_FALSE(has_errors(r.diagnostics));
  CHECK(r.diagnostics.empty());  // $err is bound in the handler: no warning
  auto expected = make_catch(make_then(make_sql("SELECT 1"), make_sql("SELECT 2")),
                             make_sql("SELECT $err.message"), CatchArgs{"err"});
  CHECK(to_json(*r.workflows[0].root) == to_json(*expected));
  auto call = compiled("df.catch('SELECT 1', 'SELECT $error.sqlstate')");
  REQUIRE_FALSE(has_errors(call.diagnostics));
  CHECK(to_json(*call.workflows[0].root) ==
        to_json(*make_catch(make_sql("SELECT 1"), make_sql("SELECT $error.sqlstate"), CatchArgs{})));
  auto unnamed = compiled("try { 'SELECT 1' } catch { 'SELECT 2' }");
  REQUIRE_FALSE(has_errors(unnamed.diagnostics));
  CHECK(decode_catch(*unnamed.workflows[0].root, nullptr)->error_name == "error");
  CHECK(first_error("attempt { 'SELECT 1' } catch (e) { 'SELECT 2' }") ==
        "expected `try { ... } catch (name) { ... }`");
}

TEST_CASE("explain shows the step and the handler of a CATCH") {
  auto n = make_catch(make_sql("SELECT 1"), make_sql("SELECT 2"), CatchArgs{"err"});
  const std::string text = explain_tree(*n);
  CHECK(text.find("CATCH (error as $err)") != std::string::npos);
  CHECK(text.find("try:") != std::string::npos);
  CHECK(text.find("catch:") != std::string::npos);
}

TEST_CASE("make_with_undo: wire shape, round trip and validation") {
  auto n = make_with_undo(make_sql("SELECT 1"), make_sql("SELECT 2"));
  auto back = parse_strict(to_json(*n));
  REQUIRE(back->type == df::ir::NodeType::Undo);
  CHECK_FALSE(back->query);
  CHECK_NOTHROW(validate_or_throw(*back));
  CHECK_THROWS_WITH(make_with_undo(make_sql("x"), nullptr), "df.with_undo: forward and undo are required");
  auto no_undo = parse_strict(R"({"node_type":"UNDO","left_node":{"node_type":"SQL","query":"SELECT 1"}})");
  CHECK_THROWS_WITH(validate_or_throw(*no_undo), "Invalid durable function graph: root: UNDO node requires right_node");
}

TEST_CASE("language <-> equals df.with_undo and binds tighter than every other operator") {
  auto same = [](const std::string& a, const std::string& b) {
    auto x = compiled(a), y = compiled(b);
    std::string msgs;
    for (const auto& d : x.diagnostics) msgs += d.message + "\n";
    for (const auto& d : y.diagnostics) msgs += d.message + "\n";
    INFO(a << " | " << b << "\n" << msgs);
    REQUIRE_FALSE(has_errors(x.diagnostics));
    REQUIRE_FALSE(has_errors(y.diagnostics));
    CHECK(to_json(*x.workflows[0].root) == to_json(*y.workflows[0].root));
  };
  same("'A' <-> 'UA'", "df.with_undo('A', 'UA')");
  same("'A' <-> 'UA' ~> 'B' <-> 'UB' ~> 'C'",
       "df.seq(df.seq(df.with_undo('A', 'UA'), df.with_undo('B', 'UB')), 'C')");
  same("'A' <-> 'UA' |=> 'a'", "df.as(df.with_undo('A', 'UA'), 'a')");
  same("'A' <-> 'UA' & 'B'", "df.join(df.with_undo('A', 'UA'), 'B')");
  same("@> 'A' <-> 'UA'", "df.loop(df.with_undo('A', 'UA'))");
  same("'A' <-> 'U1' <-> 'U2'", "df.with_undo(df.with_undo('A', 'U1'), 'U2')");
  same("('A' ~> 'B') <-> 'UAB'", "df.with_undo(df.seq('A', 'B'), 'UAB')");
  // The undo sees its forward step's named result: no unbound-result warning.
  auto r = compiled("('SELECT 1' |=> 'x') <-> 'SELECT $x'");
  CHECK(r.diagnostics.empty());
  CHECK(first_error("'A' <->") != "");
}

TEST_CASE("explain shows the forward step and its undo") {
  const std::string text = explain_tree(*make_with_undo(make_sql("SELECT 1"), make_sql("SELECT 2")));
  CHECK(text.find("UNDO") != std::string::npos);
  CHECK(text.find("do:") != std::string::npos);
  CHECK(text.find("undo:") != std::string::npos);
}

TEST_CASE("make_timeout: wire config, bounds, any step; stored TIMEOUT nodes validated") {
  auto n = make_timeout(make_sql("SELECT pg_sleep(5)"), TimeoutArgs{1500});
  CHECK(to_json(*n).find(R"("query":"{\"timeout_ms\":1500}")") != std::string::npos);
  auto back = parse_strict(to_json(*n));
  REQUIRE(back->type == df::ir::NodeType::Timeout);
  auto a = decode_timeout(*back, nullptr);
  REQUIRE(a);
  CHECK(a->timeout_ms == 1500);
  CHECK_NOTHROW(validate_or_throw(*back));
  CHECK_THROWS_WITH(make_timeout(make_sql("x"), TimeoutArgs{0}),
                    "df.timeout: the timeout must be between 1 millisecond and 1 day");
  CHECK_THROWS_WITH(make_timeout(make_sql("x"), TimeoutArgs{kMaxTimeoutMs + 1}),
                    "df.timeout: the timeout must be between 1 millisecond and 1 day");
  CHECK(make_timeout(make_sleep(5), TimeoutArgs{1000})->left->type == df::ir::NodeType::Sleep);
  auto composite = parse_strict(
      R"({"node_type":"TIMEOUT","query":"{\"timeout_ms\":1000}","left_node":{"node_type":"THEN",)"
      R"("left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"}}})");
  CHECK_NOTHROW(validate_or_throw(*composite));
  auto with_right = parse_strict(
      R"({"node_type":"TIMEOUT","query":"{\"timeout_ms\":1000}","left_node":{"node_type":"SQL","query":"a"},)"
      R"("right_node":{"node_type":"SQL","query":"b"}})");
  CHECK_THROWS_WITH(validate_or_throw(*with_right),
                    "Invalid durable function graph: root: right_node is not valid for TIMEOUT nodes");
  auto too_long = parse_strict(
      R"({"node_type":"TIMEOUT","query":"{\"timeout_ms\":999999999999}","left_node":{"node_type":"SQL","query":"a"}})");
  CHECK_THROWS_WITH(validate_or_throw(*too_long),
                    "Invalid durable function graph: root: TIMEOUT: the timeout must be between 1 millisecond and 1 day");
  auto no_step = parse_strict(R"({"node_type":"TIMEOUT","query":"{\"timeout_ms\":1000}"})");
  CHECK_THROWS_WITH(validate_or_throw(*no_step), "Invalid durable function graph: root: TIMEOUT node requires left_node");
}

TEST_CASE("language timeout equals df.timeout; seconds as a number or a duration string") {
  const std::string want = to_json(*make_timeout(make_sql("SELECT pg_sleep(5)"), TimeoutArgs{1000}));
  for (const char* src : {"df.timeout('SELECT pg_sleep(5)', 1)", "timeout('SELECT pg_sleep(5)', '1 second')",
                          "timeout('SELECT pg_sleep(5)', seconds => 1)"}) {
    CAPTURE(src);
    auto r = compiled(src);
    REQUIRE_FALSE(has_errors(r.diagnostics));
    CHECK(to_json(*r.workflows[0].root) == want);
  }
  auto nested = compiled("retry(timeout('SELECT 1', 0.5), max_attempts => 2)");
  REQUIRE_FALSE(has_errors(nested.diagnostics));
  CHECK(to_json(*nested.workflows[0].root) ==
        to_json(*make_retry(make_timeout(make_sql("SELECT 1"), TimeoutArgs{500}), RetryArgs{2, 1000, 60000})));
  CHECK(first_error("timeout('SELECT 1', 0)") == "df.timeout: the timeout must be between 1 millisecond and 1 day");
  // any sub-graph: the same IR as the SQL constructors build
  auto seq = compiled("timeout('SELECT 1' ~> df.sleep(5) ~> df.wait_for_signal('go'), '30 seconds')");
  REQUIRE_FALSE(has_errors(seq.diagnostics));
  CHECK(to_json(*seq.workflows[0].root) ==
        to_json(*make_timeout(make_then(make_then(make_sql("SELECT 1"), make_sleep(5)),
                                        make_wait_for_signal("go", std::nullopt)),
                              TimeoutArgs{30000})));
  CHECK(first_error("timeout('SELECT 1', 'soon')").find("invalid duration 'soon'") == 0);
}

TEST_CASE("a result bound inside df.timeout is bound after it (no false warning)") {
  auto r = compiled("timeout('SELECT 1' |=> 'a', 1) ~> 'SELECT $a'");
  REQUIRE_FALSE(has_errors(r.diagnostics));
  for (const auto& d : r.diagnostics) CHECK_MESSAGE(d.severity != Severity::Warning, d.message);
}

TEST_CASE("explain shows the timeout and the wrapped step") {
  const std::string text = explain_tree(*make_timeout(make_sql("SELECT 1"), TimeoutArgs{90000}));
  CHECK(text.find("TIMEOUT (1m30s)") != std::string::npos);
  CHECK(text.find("SQL: SELECT 1") != std::string::npos);
}
