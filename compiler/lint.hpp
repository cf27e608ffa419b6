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
// identifier and every `$result` reference by what SQL-mode substitution writes for a
// number there (vm::sql::place: a literal in code, string content inside a literal, left
// alone in a comment), each padded to the reference's length, so parser positions are
// positions in the step. References are read by vm::scan_references, as substitution reads them.
std::string sql_for_parser(std::string_view sql);

// Errors for steps whose SQL does not parse (rule "sql-syntax"), at the line:column of the
// failing character in the workflow file, and for `$result` references substitution would
// refuse where they stand (rule "sql-placement": inside a quoted identifier, a row set in
// a string). A `{var}` is inserted as written, so an error on one is first retried with
// a number and with nothing in its place (it may be a keyword such as ASC): an error on a
// `{var}`, or on the token right after it when nothing fits, is not reported (the value
// may be the missing piece); an error elsewhere is.
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
