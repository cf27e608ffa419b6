// sql_syntax.hpp — the server's own SQL parser (raw_parser) behind compiler/lint.hpp's
// SqlSyntaxChecker, so df.compile and df.deploy reject a step whose SQL cannot parse
// with the same rule as `dfc lint` (which uses libpg_query, the same grammar).
#pragma once

#include "lint.hpp"

namespace df::ext {

df::compiler::SqlSyntaxChecker server_sql_checker();

}  // namespace df::ext
