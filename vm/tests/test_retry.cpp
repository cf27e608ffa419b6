// test_retry.cpp — the pure failure rules (retry.hpp): error records, which failures may
// pass by themselves, and the doubling backoff.
#include <doctest/doctest.h>

#include "retry.hpp"

using namespace df::vm;

TEST_CASE("decode_failure reads a record or wraps plain text") {
  Failure r = decode_failure(R"({"message":"boom","sqlstate":"40001","detail":null})");
  CHECK(r.message == "boom");
  REQUIRE(r.sqlstate);
  CHECK(*r.sqlstate == "40001");
  CHECK(is_conflict(r));
  Failure p = decode_failure("plain text error");
  CHECK(p.message == "plain text error");
  CHECK_FALSE(p.sqlstate);
  CHECK(record_with_attempt(p, 2) ==
        R"({"message":"plain text error","sqlstate":null,"detail":null,"hint":null,"context":null,"statement":null,"attempt":2})");
  Failure j = decode_failure(R"({"no_message":1})");  // JSON, but not a record
  CHECK(j.message == R"({"no_message":1})");
  Failure h = decode_failure(R"({"message":"HTTP 503","sqlstate":null,"http_status":503,"transient":true})");
  CHECK(*h.http_status == 503);
  CHECK(*h.transient);
  CHECK(record_with_attempt(h, 1).find("\"attempt\":1") != std::string::npos);
}

TEST_CASE("which failures may succeed later") {
  const auto never = parse_sqlstate_list("0A, 28,42");
  CHECK(never == std::vector<std::string>{"0A", "28", "42"});
  auto sql = [&](const char* state) {
    return may_succeed_later(decode_failure(std::string(R"({"message":"m","sqlstate":")") + state + "\"}"),
                             false, never);
  };
  CHECK(sql("40001"));
  CHECK(sql("57014"));
  CHECK(sql("23505"));
  CHECK_FALSE(sql("42P01"));  // missing table: needs a change first
  CHECK_FALSE(sql("42601"));  // syntax
  CHECK_FALSE(sql("28000"));
  CHECK_FALSE(sql("0A000"));
  CHECK_FALSE(may_succeed_later(decode_failure("no sqlstate: the step's own validation"), false, never));
  CHECK(may_succeed_later(decode_failure(R"({"message":"m","sqlstate":"22012"})"), false, parse_sqlstate_list("")));
  CHECK_FALSE(may_succeed_later(decode_failure(R"({"message":"m","sqlstate":"22012"})"), false, parse_sqlstate_list("22012")));
  // HTTP: the host's verdict
  CHECK(may_succeed_later(decode_failure(R"({"message":"m","transient":true})"), true, never));
  CHECK_FALSE(may_succeed_later(decode_failure(R"({"message":"blocked","transient":false})"), true, never));
  CHECK_FALSE(may_succeed_later(decode_failure("plain"), true, never));
  CHECK(valid_sqlstate_list("42, 0A,40P01"));
  CHECK(valid_sqlstate_list(""));
  CHECK_FALSE(valid_sqlstate_list("4"));
  CHECK_FALSE(valid_sqlstate_list("42;28"));
}

TEST_CASE("408 and 429 responses are retryable, other responses are results") {
  auto f = retryable_response(R"({"status":429,"headers":{},"body":""})");
  REQUIRE(f);
  CHECK(*f->http_status == 429);
  CHECK(may_succeed_later(*f, true, {}));
  CHECK(retryable_response(R"({"status":408})"));
  CHECK_FALSE(retryable_response(R"({"status":404})"));
  CHECK_FALSE(retryable_response(R"({"status":200})"));
  CHECK_FALSE(retryable_response("not json"));
}

TEST_CASE("backoff doubles from the first wait up to the cap") {
  RetryPolicy p{10, 1000, 16000};
  CHECK(backoff_delay_ms(p, 1) == 1000);
  CHECK(backoff_delay_ms(p, 2) == 2000);
  CHECK(backoff_delay_ms(p, 5) == 16000);
  CHECK(backoff_delay_ms(p, 9) == 16000);
  CHECK(backoff_delay_ms(RetryPolicy{100, 86400000, 86400000}, 99) == 86400000);  // no overflow
  CHECK(backoff_delay_ms(RetryPolicy{3, 0, 0}, 2) == 0);
}
