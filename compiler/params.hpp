// params.hpp — how a declared workflow parameter becomes a run-time variable: the one
// rule shared by df.start_workflow (ext/surface/compile_function.cpp) and `dfc test` / `dfc run`.
#pragma once
#include "no_postgres.hpp"

#include <string>

namespace df::compiler {

// The variable text of a default literal as written in the source: 'text' (with ''
// escapes) loses its quotes, anything else (7, 1.5, true) is taken as written.
std::string default_variable_text(const std::string& literal);

}  // namespace df::compiler
