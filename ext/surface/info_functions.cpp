// info_functions.cpp — df.version() and df.target_database() (docs/reference.md §3.6).
#include <string>

#include "pg/gucs.hpp"
#include "pg/pg_bridge.hpp"
#include "pg/shmem.hpp"

#ifndef DF_VERSION
#error "DF_VERSION must be defined by the build"
#endif
#ifndef DF_BUILD_TIME
#error "DF_BUILD_TIME must be defined by the build"
#endif

// "<version> (built <UTC timestamp>)", e.g. "0.2.6 (built 2026-11-22T00:30:00Z)".
DF_FUNCTION(df_version) {
  return df::ext::text_datum(std::string(DF_VERSION) + " (built " DF_BUILD_TIME ")");
}

// The database the extension lives in and SQL steps run in by default.
DF_FUNCTION(df_target_database) {
  return df::ext::text_datum(df::ext::settings.database ? df::ext::settings.database : "postgres");
}

// Wakes the scheduler when the calling transaction commits; CREATE EXTENSION calls it so
// the worker attaches at once instead of at its next naptime.
DF_FUNCTION(df_wake_worker_at_commit) {
  df::ext::wake_scheduler_at_commit();
  PG_RETURN_VOID();
}
