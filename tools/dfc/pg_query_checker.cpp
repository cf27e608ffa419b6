// pg_query_checker.cpp — libpg_query behind the lint interface (see pg_query_checker.hpp).
#include "pg_query_checker.hpp"

#include <pg_query.h>

namespace dfc {

df::compiler::SqlSyntaxChecker pg_query_checker() {
  return [](const std::string& sql) -> std::optional<df::compiler::SqlSyntaxError> {
    PgQueryParseResult r = pg_query_parse(sql.c_str());
    std::optional<df::compiler::SqlSyntaxError> out;
    if (r.error) {
      out = df::compiler::SqlSyntaxError{r.error->message ? r.error->message : "syntax error",
                                         r.error->cursorpos > 0 ? static_cast<std::size_t>(r.error->cursorpos) : 0};
    }
    pg_query_free_parse_result(r);
    return out;
  };
}

}  // namespace dfc
