// duration_arg.cpp — see duration_arg.hpp.
#include <string>

#include "failure.hpp"

#include "surface/duration_arg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace df::ext {

std::int64_t duration_arg_ms(FunctionCallInfo fcinfo, int n, const char* name) {
  const Oid type = get_fn_expr_argtype(fcinfo->flinfo, n);
  if (type == INTERVALOID) {
    const Interval* iv = PG_GETARG_INTERVAL_P(n);
    // A month counts 30 days, as PostgreSQL's interval comparison does.
    const long double ms = static_cast<long double>(iv->time) / 1000 +
                           (static_cast<long double>(iv->day) + 30.0L * iv->month) * 86400000.0L;
    if (ms < 0) throw compiler::CompileError(std::string(name) + " must not be negative");
    if (ms > 1e15L) throw compiler::CompileError(std::string(name) + " is too long");
    return static_cast<std::int64_t>(ms);
  }
  if (!OidIsValid(type)) throw compiler::CompileError(std::string(name) + ": cannot determine the argument type");
  // Numbers, text and unknown literals: their text form in the shared duration syntax.
  Oid output = InvalidOid;
  bool varlena = false;
  char* out = pg_call([&] {
    getTypeOutputInfo(type, &output, &varlena);
    return OidOutputFunctionCall(output, PG_GETARG_DATUM(n));
  });
  const std::string text(out);
  std::string why;
  auto ms = compiler::parse_duration_ms(text, &why);
  if (!ms) throw compiler::CompileError(std::string(name) + ": " + why);
  return *ms;
}

}  // namespace df::ext
