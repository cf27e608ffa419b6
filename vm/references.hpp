// references.hpp — the syntax of `{variable}` and `$result` references in a step text, in
// one place: substitution (substitute.cpp) finds and reads them with these functions, and
// the linter (compiler/lint.cpp) lists them with scan_references(), so both see exactly the
// same references. Where a value may then go in SQL is sql_slots.hpp's rule, also shared.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql_slots.hpp"

namespace df::vm {

bool ident_start(char c);
bool word_char(char c);
bool is_identifier(std::string_view s);

// The next `{...}` at or after `from`: the first `}` after a `{` closes it (its content
// may be no identifier: the caller decides). nullopt when there is no `{`, or it is
// unclosed (substitution stops there). Returns {open, close} byte offsets.
struct Braces {
  std::size_t open = 0;
  std::size_t close = 0;
};
std::optional<Braces> next_braces(std::string_view text, std::size_t from);

// What follows `$name` at `pos`: `.*` (row set), `.field` / `.field?`, `?`, or nothing.
// nullopt when text[pos] is a word character (no word boundary: another name).
struct ResultForm {
  enum class Kind { Plain, Optional, Field, RowSet };
  Kind kind = Kind::Plain;
  std::string_view field;  // Field
  bool optional = false;   // Optional, or Field with `?`
  std::size_t end = 0;     // one past the reference
};
std::optional<ResultForm> read_result_form(std::string_view text, std::size_t pos);

struct Reference {
  enum class Kind { Variable, Result };
  Kind kind = Kind::Variable;
  std::string name;
  std::string field;      // Result `$name.field`; "" otherwise
  bool row_set = false;   // Result `$name.*`
  bool optional = false;  // Result `$name?` / `$name.field?`
  std::size_t begin = 0;  // byte offsets in the text: [begin, end)
  std::size_t end = 0;
};

// `{ident}` (next_braces whose content is an identifier; otherwise scanning resumes after
// the `{`) and `$ident` with read_result_form (a `$tag$` dollar-quote delimiter and `$1`
// are not references), in text order. With `sql` set (a SQL step), a `$ref` that SQL-mode
// substitution leaves as written is not listed: inside a comment, or on a quote or
// delimiter (sql::region_at).
std::vector<Reference> scan_references(std::string_view text, bool sql = false);

}  // namespace df::vm
