// errors.hpp — the one exception type the compiler core throws for user mistakes.
// Builders and parsers throw CompileError carrying the exact user-facing text
// (docs/reference.md wording); the SQL layer turns it into ERROR, dfc prints it.
#pragma once
#include "no_postgres.hpp"

#include <stdexcept>
#include <string>

namespace df::compiler {

struct CompileError : std::runtime_error {
  explicit CompileError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace df::compiler
