// duration_arg.hpp — reads a duration argument of a failure-handling SQL function
// (df.retry's backoffs, df.start's max_backoff), declared "any" so that it takes an
// interval ('1 second'::interval), a number of seconds (5, 0.25) or text in the
// compiler's duration syntax ('1 second', '250 ms'; model/failure.hpp) alike.
#pragma once

#include <cstdint>

#include "pg/pg_bridge.hpp"

namespace df::ext {

// Milliseconds; throws CompileError naming `name` for text it cannot read and for negative
// intervals. The caller checks the upper bounds (compiler::check_retry).
std::int64_t duration_arg_ms(FunctionCallInfo fcinfo, int n, const char* name);

}  // namespace df::ext
