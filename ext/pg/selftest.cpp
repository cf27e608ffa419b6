// selftest.cpp — SQL-callable probes of the C++/PostgreSQL error boundary (pg_bridge.hpp),
// used by regress/sql/ext_error_boundary.sql. They live in the engine schema, not in df,
// because they are not part of the user-facing API.
//
// A static counter records destructor runs, so the tests can prove that a C++ exception
// and a PostgreSQL error raised under C++ frames both unwind those frames.
#include <stdexcept>
#include <string>
#include <vector>

#include "pg/pg_bridge.hpp"

namespace {

int destructor_runs = 0;

struct CountsDestruction {
  std::vector<std::string> payload{"owned", "by", "a", "c++", "frame"};
  ~CountsDestruction() { ++destructor_runs; }
};

}  // namespace

// Throws std::runtime_error("boom: <arg>") while an object with a destructor is live.
DF_FUNCTION(df_selftest_throw) {
  CountsDestruction guard_object;
  throw std::runtime_error("boom: " + df::ext::text_arg(fcinfo, 0));
}

// Runs the SQL through SPI from C++ while an object with a destructor is live; a
// PostgreSQL error becomes a PgError, unwinds, and is re-raised with its SQLSTATE.
DF_FUNCTION(df_selftest_pg_error) {
  CountsDestruction guard_object;
  std::string sql = df::ext::text_arg(fcinfo, 0);
  df::ext::pg_call([&] { SPI_connect(); });
  df::ext::pg_call([&] { SPI_execute(sql.c_str(), false, 0); });
  df::ext::pg_call([&] { SPI_finish(); });
  return df::ext::text_datum("no error");
}

// Like df_selftest_pg_error, but catches the error in C++ inside a subtransaction and
// reports it as text: the caller's transaction stays usable.
DF_FUNCTION(df_selftest_pg_error_caught) {
  CountsDestruction guard_object;
  std::string sql = df::ext::text_arg(fcinfo, 0);
  std::string outcome = "ok";
  df::ext::pg_call([&] { SPI_connect(); });
  try {
    df::ext::pg_call_subxact([&] { SPI_execute(sql.c_str(), false, 0); });
  } catch (const df::ext::PgError& e) {
    outcome = std::string("caught ") + unpack_sql_state(e.edata->sqlerrcode) + ": " + e.what();
  }
  df::ext::pg_call([&] { SPI_finish(); });
  return df::ext::text_datum(outcome);
}

DF_FUNCTION(df_selftest_destructor_runs) { return Int32GetDatum(destructor_runs); }
