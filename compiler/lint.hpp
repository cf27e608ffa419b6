// lint.hpp — the checks beyond compiling that `dfc lint` runs (and, for SQL syntax,
// df.compile / df.deploy): the SQL of every step parsed by PostgreSQL's own grammar,
// result references that can fail at run time, waits and loops that may never end. Every
// diagnostic gets a rule id and, where known, an end column; `-- dfc:ignore [rule,...]`
// silences a line (a comment alone on its line silences the next line).
//
// The SQL parser is injected (SqlSyntaxChecker), so compiler/ stays free of server
// headers: dfc passes libpg_query, the extension passes the server's raw_parser.
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "compile.hpp"
#include "diagnostic.hpp"

namespace df::compiler {

struct SqlSyntaxError {
  std::string message;     // the parser's message, e.g. `syntax error at or near "SELEC"`
  std::size_t cursor = 0;  // 1-based character position in the checked text; 0 unknown
};
// nullopt when `sql` parses.
using SqlSyntaxChecker = std::function<std::optional<SqlSyntaxError>(const std::string& sql)>;

// The SQL text as PostgreSQL's parser should see it: every `{var}` replaced by an
// identifier and every `$result` reference by a number (the literal substitution
// inserts), each of the same length, so parser positions are positions in the step.
std::string sql_for_parser(std::string_view sql);

// Errors (rule "sql-syntax") for steps whose SQL does not parse, at the line:column of the
// failing character in the workflow file.
Diagnostics check_sql_syntax(std::string_view source, const CompileResult& compiled,
                             const SqlSyntaxChecker& checker);

// Flow checks on compiled workflows (rules unbound-ref, nullable-ref, wait-no-timeout,
// loop-no-exit); see README "Workflows as code" for what each means.
Diagnostics check_flow(std::string_view source, const CompileResult& compiled);

// compile() + the checks above (SQL only when `checker` is set), rule ids on every
// diagnostic, end columns where known, silenced diagnostics removed; in source order.
Diagnostics lint_source(std::string_view source, const SqlSyntaxChecker& checker);

// The rule id of a compiler diagnostic that has none yet (syntax, grouping, unused-param,
// unknown-variable, unreachable, unbound-maybe, invalid).
std::string rule_for(const Diagnostic& d);

}  // namespace df::compiler
