// diagnostic.hpp — one finding of the compiler (parse error, validation error or
// warning) with its source position, shared by dfc, df.compile and the unit tests.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <vector>

#include "ir.hpp"

namespace df::compiler {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  ir::SourcePos pos;     // 0/0 when the input had no positions (JSON)
  std::string message;   // lowercase-led where we write it; docs/reference.md texts verbatim
  std::string path = {};  // validation path ("root", "root.left", ...); empty when n/a
  std::string rule = {};  // lint rule id ("sql-syntax", "unbound-ref", ...); set by lint.hpp
  ir::SourcePos end = {};  // one past the last character, when known (same line)
};
using Diagnostics = std::vector<Diagnostic>;

bool has_errors(const Diagnostics& diags);
const char* severity_name(Severity s);  // "error" / "warning"

// gcc style: "file:line:col: error: message\n<source line>\n<caret>\n".
// Without a known position: "file: error: message\n".
std::string render_gcc(const Diagnostic& d, const std::string& file, const std::string& source);

}  // namespace df::compiler
