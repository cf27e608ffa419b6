// syntax_notes.hpp — words for syntax errors that ANTLR's messages leave unexplained: where
// an unclosed `(` or `{` was opened, and a string that ended early at a quote that should
// have been doubled. Applied by parse() to its first syntax error.
#pragma once
#include "no_postgres.hpp"

#include <string_view>

#include "diagnostic.hpp"

namespace df::compiler {

void explain_syntax_errors(std::string_view source, Diagnostics* diags);

}  // namespace df::compiler
