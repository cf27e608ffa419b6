// error_of.hpp — the unit tests' one way to read a compiler error: run fn and return the
// text of the CompileError it throws, or "<no error>" when it throws none (so a CHECK on
// the text also fails when the error is missing).
#pragma once
#include <functional>
#include <string>

#include "errors.hpp"

namespace df::compiler::testing {

inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace df::compiler::testing
