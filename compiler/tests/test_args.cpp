// test_args.cpp — unit tests for the node builders, argument checks and query decoders
// (model/args.hpp): exact wire encodings and docs/reference.md §3.1 error texts.
#include <doctest/doctest.h>

#include <functional>

#include "args.hpp"
#include "error_of.hpp"
#include "wire_json.hpp"

using namespace df::compiler;
using df::compiler::testing::error_of;
using df::ir::NodeType;

TEST_CASE("make_sql and composers encode as REFERENCE §2 shows") {
  auto seq = make_then(make_sql("SELECT 1"), make_sql("SELECT 2"));
  CHECK(to_json(*seq) ==
        R"({"node_type":"THEN","left_node":{"node_type":"SQL","query":"SELECT 1"},)"
        R"("right_node":{"node_type":"SQL","query":"SELECT 2"}})");
  auto race = make_race(make_sql("a"), make_sql("b"));
  CHECK(to_json(*race) == R"({"node_type":"RACE","left_node":{"node_type":"SQL","query":"a"},)"
                          R"("right_node":{"node_type":"SQL","query":"b"}})");
  auto cond = make_if(make_sql("c"), make_sql("t"), make_sql("e"));
  CHECK(to_json(*cond) == R"({"node_type":"IF","left_node":{"node_type":"SQL","query":"t"},)"
                          R"("right_node":{"node_type":"SQL","query":"e"},)"
                          R"("condition_node":{"node_type":"SQL","query":"c"}})");
}

TEST_CASE("make_join: two branches, extras from the third, fewer than two rejected") {
  std::vector<df::ir::NodePtr> three;
  three.push_back(make_sql("a"));
  three.push_back(make_sql("b"));
  three.push_back(make_sql("c"));
  auto join = make_join(std::move(three));
  CHECK(to_json(*join) == R"({"node_type":"JOIN","left_node":{"node_type":"SQL","query":"a"},)"
                          R"("right_node":{"node_type":"SQL","query":"b"},)"
                          R"("extra_nodes":[{"node_type":"SQL","query":"c"}]})");
  std::vector<df::ir::NodePtr> one;
  one.push_back(make_sql("a"));
  CHECK(error_of([&] { make_join(std::move(one)); }) == "JOIN needs at least two branches");
}

TEST_CASE("make_if_rows, make_loop, make_break encodings") {
  auto rows = make_if_rows("r", make_sql("t"), make_sql("e"));
  CHECK(*rows->query == R"({"condition_type":"result_has_rows","result_name":"r"})");
  CHECK(!rows->condition);
  auto forever = make_loop(make_sql("x"), nullptr);
  CHECK(to_json(*forever) == R"({"node_type":"LOOP","left_node":{"node_type":"SQL","query":"x"}})");
  auto dowhile = make_loop(make_sql("x"), make_sql("c"));
  CHECK(dowhile->condition->query == "c");
  CHECK(*make_break(std::nullopt)->query == R"({"break_value":null})");
  CHECK(*make_break(std::string("say \"hi\"\n"))->query == R"({"break_value":"say \"hi\"\n"})");
}

TEST_CASE("make_sleep: decimal seconds, zero allowed, negative rejected") {
  CHECK(to_json(*make_sleep(30)) == R"({"node_type":"SLEEP","query":"30"})");
  CHECK(*make_sleep(0)->query == "0");
  CHECK(error_of([] { make_sleep(-1); }) == "Sleep duration must be non-negative");
}

TEST_CASE("make_wait_for_schedule validates the cron expression") {
  CHECK(*make_wait_for_schedule("*/5 * * * *")->query == R"({"cron_expr":"*/5 * * * *"})");
  std::string err = error_of([] { make_wait_for_schedule("99 * * * *"); });
  CHECK(err.rfind("Invalid cron expression '99 * * * *': ", 0) == 0);
  CHECK(err.size() > std::string("Invalid cron expression '99 * * * *': ").size());
}

TEST_CASE("make_wait_for_signal: name, timeout or null") {
  CHECK(*make_wait_for_signal("go", std::nullopt)->query ==
        R"({"signal_name":"go","timeout_seconds":null})");
  CHECK(*make_wait_for_signal("go", 60)->query == R"({"signal_name":"go","timeout_seconds":60})");
  CHECK(error_of([] { make_wait_for_signal("", std::nullopt); }) == "Signal name cannot be empty");
  CHECK(error_of([] { make_wait_for_signal("go", 0); }) == "Timeout must be positive");
  CHECK(error_of([] { make_wait_for_signal("go", -5); }) == "Timeout must be positive");
}

TEST_CASE("make_http: field order, method upper-cased, headers sorted and compact") {
  auto node = make_http("https://x.test/a", "get", std::nullopt,
                        std::string(R"({"b": "2", "a": {"z": 1, "y": [1.50, true]}})"), 30);
  CHECK(*node->query ==
        R"({"url":"https://x.test/a","method":"GET","body":null,)"
        R"("headers":{"a":{"y":[1.5,true],"z":1},"b":"2"},"timeout_seconds":30})");
  auto with_body = make_http("http://h/{v}", "POST", std::string("{\"k\":1}"), std::nullopt, 5);
  CHECK(*with_body->query == R"({"url":"http://h/{v}","method":"POST","body":"{\"k\":1}",)"
                             R"("headers":null,"timeout_seconds":5})");
}

TEST_CASE("make_http: scheme, method and timeout errors") {
  CHECK(error_of([] { make_http("FTP://x", "GET", {}, {}, 30); }) ==
        "Blocked: unsupported URL scheme 'ftp'. Only http and https are allowed.");
  CHECK(error_of([] { make_http("no-scheme", "GET", {}, {}, 30); }) ==
        "Blocked: unsupported URL scheme 'no-scheme'. Only http and https are allowed.");
  // A template URL is checked at run time, after substitution.
  CHECK_NOTHROW(make_http("{base}/x", "GET", {}, {}, 30));
  CHECK(error_of([] { make_http("https://x", "fetch", {}, {}, 30); }) ==
        "Invalid HTTP method: fetch. Must be GET, POST, PUT, DELETE, or PATCH");
  CHECK(error_of([] { make_http("https://x", "GET", {}, {}, 0); }) == "Timeout must be positive");
}

TEST_CASE("make_http_multipart: parts checks and encoding") {
  auto node = make_http_multipart("https://x/u", "put",
                                  std::string(R"([{"name": "f", "data_b64": "aGk="}])"),
                                  std::nullopt, 10);
  CHECK(*node->query == R"({"url":"https://x/u","method":"PUT",)"
                        R"("parts":[{"data_b64":"aGk=","name":"f"}],"headers":null,"timeout_seconds":10})");
  CHECK(error_of([] { make_http_multipart("https://x", "GET", std::string("[{}]"), {}, 30); }) ==
        "Invalid HTTP method for multipart: GET. Must be POST, PUT, or PATCH");
  CHECK(error_of([] { make_http_multipart("https://x", "POST", std::nullopt, {}, 30); }) ==
        "parts is required and cannot be NULL");
  CHECK(error_of([] { make_http_multipart("https://x", "POST", std::string("{}"), {}, 30); }) ==
        "parts must be a JSON array of part objects");
  CHECK(error_of([] { make_http_multipart("https://x", "POST", std::string("[]"), {}, 30); }) ==
        "parts must contain at least one part");
  CHECK(error_of([] { make_http_multipart("https://x", "POST", std::string("[{}]"), {}, -1); }) ==
        "Timeout must be positive");
}

TEST_CASE("set_result_name: identifier rule and df.as messages") {
  auto node = make_sql("SELECT 1");
  set_result_name(*node, "first");
  set_result_name(*node, "_Second9");
  CHECK(*node->result_name == "_Second9");
  CHECK(error_of([&] { set_result_name(*node, ""); }) == "df.as: result name cannot be empty");
  CHECK(error_of([&] { set_result_name(*node, "9x"); }) ==
        "df.as: result name '9x' is not a valid identifier \xE2\x80\x94 must match "
        "[a-zA-Z_][a-zA-Z0-9_]*");
  CHECK(!is_valid_result_name("a-b"));
  CHECK(!is_valid_result_name("caf\xC3\xA9"));
  CHECK(is_valid_result_name("abc_123"));
}

TEST_CASE("decoders read what builders write") {
  std::string err;
  CHECK(decode_sleep(*make_sleep(42), &err)->seconds == 42);
  CHECK(decode_schedule(*make_wait_for_schedule("0 9 * * *"), &err)->cron_expr == "0 9 * * *");
  auto sig = decode_signal(*make_wait_for_signal("s", 7), &err);
  CHECK(sig->name == "s");
  CHECK(sig->timeout_seconds == 7);
  CHECK(!decode_signal(*make_wait_for_signal("s", std::nullopt), &err)->timeout_seconds);
  CHECK(decode_break(*make_break(std::string("v")), &err)->value == "v");
  CHECK(!decode_break(*make_break(std::nullopt), &err)->value);
  CHECK(decode_if_rows(*make_if_rows("r", make_sql("t"), make_sql("e")), &err)->result_name == "r");
  auto http = decode_http(*make_http("https://x", "post", std::string("b"),
                                     std::string(R"({"a":"1"})"), 9), &err);
  CHECK(http->method == "POST");
  CHECK(http->body == "b");
  CHECK(http->headers_json == R"({"a":"1"})");
  CHECK(http->timeout_seconds == 9);
  auto mp = decode_multipart(*make_http_multipart("https://x", "POST", std::string("[1]"), {}, 3), &err);
  CHECK(mp->parts_json == "[1]");
  CHECK(!mp->headers_json);
}

TEST_CASE("decoders reject bad queries with a reason") {
  std::string err;
  df::ir::Node sleep(NodeType::Sleep);
  sleep.query = "1.5";
  CHECK(!decode_sleep(sleep, &err));
  CHECK(err == "SLEEP query must be a whole number of seconds, got '1.5'");
  sleep.query = "-3";
  CHECK(decode_sleep(sleep, &err)->seconds == -3);  // negative is validation's finding
  sleep.query = "99999999999999999999";
  CHECK(!decode_sleep(sleep, &err));
  df::ir::Node sig(NodeType::Signal);
  sig.query = R"({"timeout_seconds":5})";
  CHECK(!decode_signal(sig, &err));
  CHECK(err == "missing field `signal_name`");
  sig.query = R"({"signal_name":3})";
  CHECK(!decode_signal(sig, &err));
  CHECK(err == "field `signal_name`: invalid type: integer `3`, expected a string");
  df::ir::Node sched(NodeType::WaitSchedule);
  sched.query = "not json";
  CHECK(!decode_schedule(sched, &err));
  CHECK(err.rfind("query in WAIT_SCHEDULE must be valid JSON config: ", 0) == 0);
  sched.query = "[1]";
  CHECK(!decode_schedule(sched, &err));
  CHECK(err == "query in WAIT_SCHEDULE must be a JSON config object");
  df::ir::Node cond_if(NodeType::If);
  cond_if.condition = make_sql("c");
  err.clear();
  CHECK(!decode_if_rows(cond_if, &err));
  CHECK(err.empty());
  df::ir::Node bad_if(NodeType::If);
  bad_if.query = R"({"condition_type":"other","result_name":"r"})";
  CHECK(!decode_if_rows(bad_if, &err));
  CHECK(err == "unknown condition_type 'other' (expected result_has_rows)");
  df::ir::Node http(NodeType::Http);
  http.query = R"({"method":"GET"})";
  CHECK(!decode_http(http, &err));
  CHECK(err == "missing field `url`");
  df::ir::Node mp(NodeType::HttpMultipart);
  mp.query = R"({"url":"https://x"})";
  CHECK(!decode_multipart(mp, &err));
  CHECK(err == "missing field `parts`");
}

TEST_CASE("builders refuse missing children") {
  CHECK(error_of([] { make_then(make_sql("a"), nullptr); }) ==
        "THEN requires a workflow step, got none");
  CHECK(error_of([] { make_loop(nullptr, nullptr); }) == "LOOP requires a workflow step, got none");
  CHECK(error_of([] { make_if(nullptr, make_sql("t"), make_sql("e")); }) ==
        "IF requires a workflow step, got none");
  CHECK_NOTHROW(make_loop(make_sql("a"), nullptr));
}

TEST_CASE("over-deep JSON arguments are refused, not recursed into") {
  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 600; ++i) deep += "}";
  CHECK(error_of([&] { make_http("https://x", "GET", {}, deep, 30); }) ==
        "JSON value is nested too deeply");
  // The same depth stored in a hand-written node is a decode error, not an exception.
  df::ir::Node http(NodeType::Http);
  http.query = "{\"url\":\"https://x\",\"headers\":" + deep + "}";
  std::string err;
  CHECK(!decode_http(http, &err));
  CHECK(err == "field `headers`: JSON value is nested too deeply");
  std::string shallow = "{\"a\":{\"b\":{\"c\":\"d\"}}}";
  CHECK(*make_http("https://x", "GET", {}, shallow, 30)->query ==
        R"({"url":"https://x","method":"GET","body":null,"headers":{"a":{"b":{"c":"d"}}},"timeout_seconds":30})");
}
