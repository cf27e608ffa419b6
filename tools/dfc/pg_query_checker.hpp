// pg_query_checker.hpp — dfc's SqlSyntaxChecker (compiler/lint.hpp): PostgreSQL 15's
// grammar through libpg_query, so `dfc lint` rejects what the server would reject.
#pragma once

#include "lint.hpp"

namespace dfc {

df::compiler::SqlSyntaxChecker pg_query_checker();

}  // namespace dfc
