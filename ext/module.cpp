// module.cpp — the extension library's entry: PG_MODULE_MAGIC and _PG_init, which reads
// as a table of contents of the subsystems it starts.
#include "surface/drop_guard.hpp"
#include "pg/gucs.hpp"
#include "engine/metrics.hpp"
#include "pg/pg_bridge.hpp"
#include "pg/shmem.hpp"
#include "engine/worker.hpp"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
  // The scheduler, the shared memory it is woken through and the GUCs it reads exist only
  // when the postmaster loads the library; any other load path would leave an extension
  // whose workflows never run, so refuse it (docs/reference.md §1: one message, hint inside).
  if (!process_shared_preload_libraries_in_progress)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("pg_durable must be loaded via shared_preload_libraries.\n\n"
                    "HINT: Add 'pg_durable' to shared_preload_libraries in postgresql.conf and restart the server.")));
  df::ext::define_settings();
  df::ext::install_shared_memory_hooks();
  df::ext::metrics::install_shared_memory_hooks();
  df::ext::register_scheduler_worker();
  df::ext::install_drop_guard();
}
