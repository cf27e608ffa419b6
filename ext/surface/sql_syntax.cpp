// sql_syntax.cpp — raw_parser as a SqlSyntaxChecker (see sql_syntax.hpp). Parsing has no
// side effects, but its ERROR is caught inside a subtransaction (pg_call_subxact), the
// one safe way to continue after an ereport.
#include "surface/sql_syntax.hpp"

#include "pg/pg_bridge.hpp"

extern "C" {
#include "parser/parser.h"
}

namespace df::ext {

df::compiler::SqlSyntaxChecker server_sql_checker() {
  return [](const std::string& sql) -> std::optional<df::compiler::SqlSyntaxError> {
    try {
      const char* text = sql.c_str();
      pg_call_subxact([text] { raw_parser(text, RAW_PARSE_DEFAULT); });
    } catch (const PgError& e) {
      df::compiler::SqlSyntaxError err{e.what(), 0};
      if (e.edata && e.edata->cursorpos > 0) err.cursor = static_cast<std::size_t>(e.edata->cursorpos);
      return err;
    }
    return std::nullopt;
  };
}

}  // namespace df::ext
