// check.hpp — a test case's expectations (spec.hpp) judged against one run (runner.hpp).
// Every failure names the statement's line:column and says what happened instead.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <vector>

#include "diagnostic.hpp"
#include "program.hpp"
#include "runner.hpp"
#include "spec.hpp"

namespace df::wftest {

// `expected` is contained in `actual` (both JSON): objects need every expected key with a
// contained value, arrays the same length with contained elements, scalars equality
// (numbers by value). So expect_result('{"approved": false}') ignores other keys.
bool json_contains(const std::string& expected, const std::string& actual);

// Selectors of the case that match no step of the program (a typo would otherwise make a
// stub silently unused or an expect_not_ran pass vacuously).
compiler::Diagnostics check_selectors(const TestCase& tc, const vm::Program& program);

// The failed expectations (and run problems) of the case; empty when it passed.
compiler::Diagnostics check_expectations(const TestCase& tc, const vm::Program& program, const RunResult& run);

}  // namespace df::wftest
