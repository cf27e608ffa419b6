// test_suggest.cpp — edit distance and "did you mean" suggestions (compiler/suggest.hpp).
#include <doctest/doctest.h>

#include "suggest.hpp"

using namespace df::compiler;

TEST_CASE("edit distance counts inserts, deletes and substitutions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "abc") == 0);
  CHECK(edit_distance("wait_for_singal", "wait_for_signal") == 2);
  CHECK(edit_distance("sleep", "slep") == 1);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("closest_name suggests only plausible typos") {
  std::vector<std::string> names = {"sleep", "wait_for_signal", "wait_for_schedule", "http"};
  CHECK(closest_name("wait_for_singal", names) == std::optional<std::string>("wait_for_signal"));
  CHECK(closest_name("slep", names) == std::optional<std::string>("sleep"));
  CHECK_FALSE(closest_name("frobnicate", names).has_value());
  CHECK_FALSE(closest_name("sleep", names).has_value());  // an exact name is no typo
  CHECK(did_you_mean("htp", names) == " (did you mean 'http'?)");
  CHECK(did_you_mean("zzzzzz", names).empty());
}

#include "params.hpp"

TEST_CASE("a parameter default becomes its variable text") {
  CHECK(default_variable_text("'eu'") == "eu");
  CHECK(default_variable_text("'it''s'") == "it's");
  CHECK(default_variable_text("7") == "7");
  CHECK(default_variable_text("true") == "true");
}
