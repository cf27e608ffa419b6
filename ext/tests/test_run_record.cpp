// test_run_record.cpp — the run-record rules of run_record.hpp: which attempt a VM node
// stamp names, the error record it carries, and the record df.step_runs reads.
#include <doctest/doctest.h>

#include "engine/run_record.hpp"

namespace rr = df::ext::run_record;

TEST_CASE("attempt_of reads attempt, then attempts, else 1") {
  CHECK(rr::attempt_of(R"({"waiting":"retry","attempt":2,"max_attempts":3})") == 2);
  CHECK(rr::attempt_of(R"({"attempts":3,"error":{"message":"x"}})") == 3);
  CHECK(rr::attempt_of(R"({"waiting":"retry"})") == 1);
  CHECK(rr::attempt_of("") == 1);
  CHECK(rr::attempt_of("not json") == 1);
  CHECK(rr::attempt_of(R"({"attempt":"-1"})") == 1);  // not a count
}

TEST_CASE("error_of returns the error record only when it is an object") {
  CHECK(rr::error_of(R"({"attempts":1,"error":{"message":"boom","sqlstate":"22012"}})").value() ==
        R"({"message":"boom","sqlstate":"22012"})");
  CHECK_FALSE(rr::error_of(R"({"attempts":1})").has_value());
  CHECK_FALSE(rr::error_of(R"({"error":"text"})").has_value());
  CHECK_FALSE(rr::error_of("").has_value());
}

TEST_CASE("sqlstate_of and message_of read a record") {
  CHECK(rr::sqlstate_of(R"({"message":"m","sqlstate":"42P01"})").value() == "42P01");
  CHECK_FALSE(rr::sqlstate_of(R"({"message":"m","sqlstate":null})").has_value());
  CHECK(rr::message_of(R"({"message":"division by zero"})") == "division by zero");
  CHECK(rr::message_of("[]") == "");
}

TEST_CASE("message_record escapes the message") {
  CHECK(rr::message_record("say \"hi\"\n") == R"({"message":"say \"hi\"\n","sqlstate":null})");
}

TEST_CASE("build: a failed attempt that is retried, and a success") {
  rr::Attempt a;
  a.attempt = 2;
  a.iteration = 4;
  a.execution_id = "abc::1";
  a.retried = true;
  a.started_us = 1000000;
  a.finished_us = 1250999;
  a.error = R"({"message":"x"})";
  CHECK(rr::build(a) ==
        R"({"attempt":2,"iteration":4,"execution_id":"abc::1","status":"failed","retried":true,)"
        R"("started_us":1000000,"finished_us":1250999,"duration_ms":250,"error":{"message":"x"}})");
  rr::Attempt ok;
  ok.ok = true;
  ok.started_us = 10;
  ok.finished_us = 5;  // a clock step back never gives a negative duration
  CHECK(rr::build(ok) == R"({"attempt":1,"iteration":0,"execution_id":"","status":"succeeded","retried":false,)"
                         R"("started_us":10,"finished_us":5,"duration_ms":0,"error":null})");
}

TEST_CASE("iteration_of_scope: the last generation, 0-based") {
  CHECK(rr::iteration_of_scope("1") == 0);
  CHECK(rr::iteration_of_scope("3") == 2);         // a root loop's third iteration
  CHECK(rr::iteration_of_scope("1::#4::2") == 1);  // a nested loop's second
  CHECK(rr::iteration_of_scope("") == 0);
  CHECK(rr::iteration_of_scope("1::#x") == 0);
}
