// pg_bridge.hpp — the C++/PostgreSQL error boundary, and the one header of ext/ that
// includes PostgreSQL's headers.
//
// PostgreSQL reports errors with longjmp; C++ unwinds with exceptions. Neither may cross
// the other (docs/toolchain.md §2):
//  - every SQL-callable function is declared with DF_FUNCTION, whose body runs inside
//    df::ext::guard(): any C++ exception is caught, all C++ frames are unwound, and only
//    then is the error re-raised with ereport (PostgreSQL errors keep their SQLSTATE,
//    detail and context);
//  - every call into PostgreSQL that may ereport, made from C++ code that owns objects
//    with destructors, goes through pg_call() (or pg_call_subxact()), which turns the
//    PostgreSQL error into a C++ PgError so the destructors run.
// Standard and third-party headers come first: port.h #defines snprintf & co.
#pragma once

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
}

namespace df::ext {

// A PostgreSQL ERROR travelling through C++ frames; edata lives in the memory context
// that was current when the PostgreSQL call was made.
struct PgError : std::exception {
  ErrorData* edata;
  explicit PgError(ErrorData* e) : edata(e) {}
  const char* what() const noexcept override {
    return edata && edata->message ? edata->message : "postgres error";
  }
};

// Throw to report a user-facing error with a chosen SQLSTATE (ERRCODE_* value).
struct SqlError : std::runtime_error {
  int sqlstate;
  std::string detail;
  std::string hint;
  SqlError(int code, const std::string& message, std::string detail_text = {},
           std::string hint_text = {})
      : std::runtime_error(message), sqlstate(code), detail(std::move(detail_text)),
        hint(std::move(hint_text)) {}
};

// Run fn (plain PostgreSQL calls, no C++ objects with destructors inside, no throw, no
// return from the middle) and convert an ereport(ERROR) into PgError.
template <typename Fn>
auto pg_call(Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  MemoryContext ctx = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;
  if constexpr (std::is_void_v<R>) {
    PG_TRY();
    { fn(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(ctx);
      edata = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (edata) throw PgError(edata);
  } else {
    static_assert(std::is_trivially_copyable_v<R>, "pg_call returns trivially copyable values only");
    R result{};
    R* volatile out = &result;
    PG_TRY();
    { *out = fn(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(ctx);
      edata = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (edata) throw PgError(edata);
    return result;
  }
}

// Like pg_call, inside an internal subtransaction (what PL/pgSQL EXCEPTION blocks do): on
// error the subtransaction is rolled back and the caller may catch PgError and continue
// using the outer transaction.
template <typename Fn>
void pg_call_subxact(Fn&& fn) {
  MemoryContext ctx = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  ErrorData* volatile edata = nullptr;
  BeginInternalSubTransaction(NULL);
  MemoryContextSwitchTo(ctx);
  PG_TRY();
  {
    fn();
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(ctx);
    CurrentResourceOwner = owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(ctx);
    edata = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(ctx);
    CurrentResourceOwner = owner;
  }
  PG_END_TRY();
  if (edata) throw PgError(edata);
}

// Query cancel / statement_timeout as a C++ exception (a terminate request is FATAL and
// exits the process directly, which is fine).
inline void check_for_interrupts() {
  if (InterruptPending) pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

// The boundary of every SQL-callable function: run fn; on any C++ exception, let every
// C++ frame unwind, then raise the PostgreSQL error outside the catch handler.
template <typename Fn>
Datum guard(const char* function_name, Fn&& fn) {
  ErrorData* pg_edata = nullptr;
  char message[2048];
  char detail[1024] = "";
  char hint[512] = "";
  int sqlstate = ERRCODE_INTERNAL_ERROR;
  bool internal = true;
  try {
    return fn();
  } catch (const PgError& e) {
    pg_edata = e.edata;
  } catch (const SqlError& e) {
    strlcpy(message, e.what(), sizeof message);
    strlcpy(detail, e.detail.c_str(), sizeof detail);
    strlcpy(hint, e.hint.c_str(), sizeof hint);
    sqlstate = e.sqlstate;
    internal = false;
  } catch (const std::exception& e) {
    strlcpy(message, e.what(), sizeof message);
  } catch (...) {
    strlcpy(message, "unknown C++ exception", sizeof message);
  }
  if (pg_edata) ReThrowError(pg_edata);
  ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", message),
                  detail[0] ? errdetail_internal("%s", detail) : 0,
                  hint[0] ? errhint("%s", hint) : 0,
                  internal ? (errcontext("C++ function %s", function_name)) : 0));
  pg_unreachable();
}

// Text helpers that allocate in the current memory context.
inline std::string text_arg(FunctionCallInfo fcinfo, int n) {
  text* t = PG_GETARG_TEXT_PP(n);
  return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}
inline Datum text_datum(const std::string& s) {
  return PointerGetDatum(pg_call([&] { return cstring_to_text_with_len(s.data(), static_cast<int>(s.size())); }));
}

}  // namespace df::ext

// Declares a SQL-callable C function `name` whose body is C++ run behind the boundary.
#define DF_FUNCTION(name)                                                       \
  extern "C" {                                                                  \
  PG_FUNCTION_INFO_V1(name);                                                    \
  }                                                                             \
  static Datum name##_impl([[maybe_unused]] PG_FUNCTION_ARGS);                  \
  extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) {                         \
    return df::ext::guard(#name, [&]() { return name##_impl(fcinfo); });        \
  }                                                                             \
  static Datum name##_impl([[maybe_unused]] PG_FUNCTION_ARGS)
