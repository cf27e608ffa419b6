// test_truth.cpp — condition truthiness (docs/reference.md §10), a true and a false case per rule.
#include <doctest/doctest.h>

#include "truth.hpp"

using df::vm::is_truthy;
using df::vm::is_truthy_string;

TEST_CASE("truth: SQL results use the first column of the first row") {
  CHECK(is_truthy(R"({"rows":[{"b":true}],"row_count":1})"));
  CHECK_FALSE(is_truthy(R"({"rows":[{"b":false}],"row_count":1})"));
  CHECK_FALSE(is_truthy(R"({"rows":[],"row_count":0})"));
  CHECK(is_truthy(R"({"rows":[{"n":2,"z":0}],"row_count":1})"));
  CHECK_FALSE(is_truthy(R"({"rows":[{"z":0,"n":2}],"row_count":1})"));
  CHECK_FALSE(is_truthy(R"({"rows":[{"x":null}],"row_count":1})"));
  CHECK(is_truthy(R"({"rows":[{"s":"yes"}],"row_count":1})"));
  CHECK_FALSE(is_truthy(R"({"rows":[{"s":" No "}],"row_count":1})"));
  // A row with no columns falls through to the whole-object rule: true.
  CHECK(is_truthy(R"({"rows":[{}],"row_count":1})"));
}

TEST_CASE("truth: other JSON values") {
  CHECK(is_truthy("true"));
  CHECK_FALSE(is_truthy("false"));
  CHECK(is_truthy("1.5"));
  CHECK_FALSE(is_truthy("0"));
  CHECK_FALSE(is_truthy("0.0"));
  CHECK_FALSE(is_truthy("null"));
  CHECK(is_truthy("[0]"));
  CHECK_FALSE(is_truthy("[]"));
  CHECK(is_truthy(R"({"a":1})"));
  CHECK_FALSE(is_truthy("{}"));
  CHECK(is_truthy(R"("t")"));
  CHECK_FALSE(is_truthy(R"("f")"));
}

TEST_CASE("truth: non-JSON text is judged as a string") {
  CHECK(is_truthy("hello"));
  CHECK(is_truthy("  TRUE "));
  CHECK_FALSE(is_truthy("  "));
  CHECK_FALSE(is_truthy(""));
  CHECK_FALSE(is_truthy("No"));
}

TEST_CASE("truth: the string rule") {
  CHECK(is_truthy_string("Yes"));
  CHECK_FALSE(is_truthy_string("FALSE"));
  CHECK(is_truthy_string("-2.5e3"));
  CHECK_FALSE(is_truthy_string("-0.0"));
  CHECK_FALSE(is_truthy_string("0e10"));
  CHECK(is_truthy_string("NaN"));      // parses as a float, and NaN is non-zero
  CHECK(is_truthy_string("inf"));
  CHECK(is_truthy_string("0x0"));      // not a Rust float: any other non-empty text
  CHECK(is_truthy_string("1e"));       // incomplete exponent: not a float, non-empty
  CHECK_FALSE(is_truthy_string("\t\n"));
}
