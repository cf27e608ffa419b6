// surface.hpp — shared plumbing of the SQL surface's C functions (df.sql ... df.compile):
// the boundary macro that turns the compiler's CompileError into a plain ERROR with the
// exact docs/reference.md text (no C++ context line), argument helpers, and the
// df.in_workflow / df.non_future_helper session markers.
// Include compiler/ headers first, then this (it includes pg_bridge.hpp).
#pragma once

#include <optional>
#include <string>

#include "errors.hpp"
#include "pg/pg_bridge.hpp"

namespace df::ext::surface {

// Runs body; a CompileError (a user mistake found by the compiler core) becomes an
// SqlError with SQLSTATE XX000, as docs/reference.md's "raise" specifies.
template <typename Fn>
Datum user_errors(Fn&& body) {
  try {
    return body();
  } catch (const compiler::CompileError& e) {
    throw SqlError(ERRCODE_INTERNAL_ERROR, e.what());
  }
}

// A raise with a docs/reference.md text: ERROR, SQLSTATE XX000.
[[noreturn]] inline void raise(const std::string& message) {
  throw SqlError(ERRCODE_INTERNAL_ERROR, message);
}

inline std::optional<std::string> opt_text_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_ARGISNULL(n)) return std::nullopt;
  return text_arg(fcinfo, n);
}

// The text of a jsonb argument (jsonb's canonical output), or nullopt for NULL.
std::optional<std::string> opt_jsonb_arg(FunctionCallInfo fcinfo, int n);

// True when the session runs inside a workflow step (df.in_workflow = 'true').
bool in_workflow();

// Auto-wrap rule 1 (docs/reference.md §2): records that `helper` (e.g. "df.setvar()") ran in
// the current statement, transaction-locally ...
void mark_non_future_helper(const std::string& helper);
// ... so that a composer given non-JSON text in that same statement raises
// "<name> cannot be used as a workflow step. Call <name> before df.start()."
void check_not_helper_result(const std::string& text);

}  // namespace df::ext::surface

// Declares a SQL-callable function of the SQL surface: DF_FUNCTION's boundary plus the
// CompileError mapping above.
#define DF_SURFACE_FUNCTION(name)                                                     \
  static Datum name##_body(FunctionCallInfo fcinfo);                                  \
  DF_FUNCTION(name) {                                                                 \
    return df::ext::surface::user_errors([&] { return name##_body(fcinfo); });       \
  }                                                                                   \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
