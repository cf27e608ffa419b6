// placeholders.hpp — where a step text holds `{variable}` and `$result` references, read
// with the rule of run-time substitution (vm/substitute.cpp, docs/reference.md §9), so the
// linter sees exactly the references the engine will replace.
//
// THE ONE PLACE the linter reads placeholders: vm/substitute.cpp keeps its own scanner
// today (it also renders values); when the hostile-input work moves that scanning rule
// into a shared function, this is the function to switch over to it.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace df::compiler {

struct Placeholder {
  enum class Kind { Variable, Result };
  Kind kind = Kind::Variable;
  std::string name;
  std::string field;      // Result `$name.field`; "" otherwise
  bool row_set = false;   // Result `$name.*`
  bool optional = false;  // Result `$name?` / `$name.field?`
  std::size_t begin = 0;  // byte offsets in the text: [begin, end)
  std::size_t end = 0;
};

// `{ident}` (first `}` after a `{`; a non-identifier is skipped and scanning resumes after
// the `{`; an unclosed `{` ends variable scanning) and `$ident` with `.*`, `.field[?]` or
// `?` (a `$tag$` dollar-quote delimiter and `$1` are not references), in text order.
std::vector<Placeholder> scan_placeholders(std::string_view text);

}  // namespace df::compiler
