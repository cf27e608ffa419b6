// worker.cpp — the scheduler background worker.
//
// Glossary: the *scheduler* is the one static worker per cluster. It connects to
// pg_durable.database as pg_durable.worker_role, follows the extension's lifecycle
// (CREATE / DROP EXTENSION without a restart) and publishes readiness exactly as
// docs/reference.md §1 describes: the `<df.duroxide_schema()>._worker_ready` row and the
// `df._worker_epoch` heartbeat. It sleeps on its latch, woken by committing backends
// (shmem.hpp) or by its naptime; SIGTERM ends it promptly (die -> FATAL at the next
// CHECK_FOR_INTERRUPTS), SIGHUP reloads the configuration.
//
// Each tick is one transaction; an ERROR inside a tick is logged, the transaction is
// aborted and the worker keeps running (a crash-restart would lose every in-flight wake-up).
#include "engine/worker.hpp"

#include <cstring>
#include <string>

#include "engine/executor_pool.hpp"
#include "pg/check_cache.hpp"
#include "pg/gucs.hpp"
#include "pg/pg_bridge.hpp"
#include "engine/remote_step.hpp"
#include "engine/retention.hpp"
#include "pg/shmem.hpp"
#include "engine/scheduler.hpp"
#include "engine/transaction.hpp"

extern "C" {
#include "access/twophase.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace df::ext {
namespace {

constexpr int kHeartbeatMs = 5000;

// The worker's view of the extension: the epoch it wrote, when it last beat.
char current_epoch[64] = "";
// A pg_restore is connected to our database: run no step and fire no timer until it ends.
// A plain (not --single-transaction) restore commits object by object, and the worker
// attaches as soon as CREATE EXTENSION commits: a due timer or a runnable step would run
// before the rest of the data and the GRANTs are back, and fail for good (permission
// denied). pg_restore names its sessions "pg_restore" (docs/operations.md, "Backup and
// restore", also for psql -f of a plain-format dump).
bool restore_running = false;
TimestampTz last_heartbeat = 0;

bool extension_exists() { return OidIsValid(get_extension_oid("pg_durable", true)); }

// One SQL statement through SPI with text parameters; returns SPI_processed.
uint64 run_sql(const char* sql, int nargs = 0, const char* const* values = nullptr) {
  Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
  Datum datums[4];
  for (int i = 0; i < nargs; ++i) datums[i] = CStringGetTextDatum(values[i]);
  int rc = SPI_execute_with_args(sql, nargs, types, datums, NULL, false, 0);
  if (rc < 0) elog(ERROR, "pg_durable worker: SPI failed (%d) on: %s", rc, sql);
  return SPI_processed;
}

const char* first_value() {
  if (SPI_processed == 0) return nullptr;
  return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

bool engine_schema_owned_by_extension(const char* schema) {
  run_sql(
      "SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_namespace n ON n.oid = d.objid "
      "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid "
      "WHERE d.classid = 'pg_catalog.pg_namespace'::regclass "
      "AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e' "
      "AND e.extname = 'pg_durable' AND n.nspname = $1",
      1, &schema);
  return SPI_processed > 0;
}

// Creates the readiness table and a fresh epoch: the worker has (re)attached to a
// newly created extension.
void initialize_extension_state() {
  run_sql("SELECT df.duroxide_schema()");
  const char* schema_value = first_value();
  if (!schema_value) elog(ERROR, "pg_durable worker: df.duroxide_schema() returned nothing");
  char* schema = pstrdup(schema_value);
  if (!engine_schema_owned_by_extension(schema)) {
    elog(WARNING, "pg_durable worker: schema \"%s\" is not owned by the extension; not initialising", schema);
    return;
  }
  const char* q = quote_identifier(schema);
  run_sql(psprintf("CREATE TABLE IF NOT EXISTS %s._worker_ready ("
                   "sentinel bool PRIMARY KEY DEFAULT true CHECK (sentinel), "
                   "schema_version int NOT NULL, "
                   "initialized_at timestamptz NOT NULL DEFAULT now())", q));
  run_sql(psprintf("GRANT USAGE ON SCHEMA %s TO PUBLIC", q));
  run_sql(psprintf("GRANT SELECT ON %s._worker_ready TO PUBLIC", q));
  // A member of the extension: DROP EXTENSION drops it and pg_dump leaves it out (the
  // restored cluster's worker recreates it). An earlier release left it outside.
  // Added after its GRANT, so the grant is part of its initial privileges (not dumped).
  run_sql(psprintf("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend "
                   "WHERE classid = 'pg_catalog.pg_class'::regclass AND objid = '%s._worker_ready'::regclass "
                   "AND deptype = 'e') THEN ALTER EXTENSION pg_durable ADD TABLE %s._worker_ready; END IF; END$$",
                   q, q));
  run_sql(psprintf("INSERT INTO %s._worker_ready (schema_version) VALUES (1) "
                   "ON CONFLICT (sentinel) DO UPDATE SET schema_version = EXCLUDED.schema_version, "
                   "initialized_at = now()", q));
  run_sql("DELETE FROM df._worker_epoch");
  run_sql("INSERT INTO df._worker_epoch (epoch_id) VALUES (gen_random_uuid()) RETURNING epoch_id::text");
  strlcpy(current_epoch, first_value(), sizeof current_epoch);
  last_heartbeat = GetCurrentTimestamp();
  elog(LOG, "pg_durable worker: ready (epoch %s)", current_epoch);
}

// Bumps the heartbeat; returns false when our epoch row vanished (extension dropped and
// recreated), in which case the caller re-initialises.
bool heartbeat_still_attached() {
  if (current_epoch[0] == '\0') return false;
  TimestampTz now = GetCurrentTimestamp();
  if (!TimestampDifferenceExceeds(last_heartbeat, now, kHeartbeatMs)) return true;
  const char* epoch = current_epoch;
  uint64 updated = run_sql(
      "UPDATE df._worker_epoch SET last_seen_at = now() WHERE epoch_id = $1::uuid", 1, &epoch);
  last_heartbeat = now;
  return updated > 0;
}

// The tick's statements: plain PostgreSQL calls, run inside pg_call (pg_bridge.hpp) by
// tick(); its transaction, SPI connection and snapshot are the runner's (transaction.hpp).
void tick_statements() {
  pgstat_report_activity(STATE_RUNNING, "pg_durable scheduler tick");
  if (!extension_exists()) {
    if (current_epoch[0] != '\0') elog(LOG, "pg_durable worker: extension dropped; waiting for CREATE EXTENSION");
    current_epoch[0] = '\0';
  } else {
    if (!heartbeat_still_attached()) initialize_extension_state();
    const bool was_running = restore_running;
    run_sql("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE datid = "
            "(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
            "AND application_name = 'pg_restore' AND pid <> pg_catalog.pg_backend_pid())");
    restore_running = strcmp(first_value(), "t") == 0;
    if (restore_running && !was_running)
      elog(LOG, "pg_durable worker: pg_restore is connected; steps and timers wait until it ends");
    else if (!restore_running && was_running)
      elog(LOG, "pg_durable worker: pg_restore ended; running steps and timers");
  }
}

// One tick in its own transaction, also when the extension does not exist (the tick is
// what notices CREATE / DROP EXTENSION). An error is logged and the transaction aborted.
void tick() {
  TransactionOptions options;
  options.require_extension = false;
  TransactionResult result = run_transaction(
      [] {
        pg_call([] { tick_statements(); });
        return false;
      },
      options);
  if (result.committed) pgstat_report_stat(true);
  else current_epoch[0] = '\0';  // re-verify the extension state next tick
  pgstat_report_activity(STATE_IDLE, NULL);
}

}  // namespace

void register_scheduler_worker() {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = 1;
  strlcpy(worker.bgw_library_name, "pg_durable", BGW_MAXLEN);
  strlcpy(worker.bgw_function_name, "df_scheduler_main", BGW_MAXLEN);
  strlcpy(worker.bgw_name, "pg_durable scheduler", BGW_MAXLEN);
  strlcpy(worker.bgw_type, "pg_durable scheduler", BGW_MAXLEN);
  RegisterBackgroundWorker(&worker);
}

}  // namespace df::ext

extern "C" void df_scheduler_main(unsigned long) {
  using namespace df::ext;
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(settings.database, settings.worker_role, 0);
  check_cache::install();  // the engine tables' CHECK constraints parsed once
  publish_scheduler();
  // before_shmem_exit: MyProc is still valid there (on_proc_exit runs after ProcKill).
  before_shmem_exit([](int, Datum) { withdraw_scheduler(); }, 0);
  elog(LOG, "pg_durable worker: started (database \"%s\")", settings.database);
  bool orphans_scanned = false;
  for (;;) {
    tick();
    long timeout = settings.worker_naptime_ms;
    if (current_epoch[0] != '\0' && !restore_running) {  // attached to a live extension: run the engine's due work
      // Tasks no row stands for (a continuation lost with its executor, engine_core.hpp):
      // requeued from the checkpoints at start-up, and when an executor left holding one.
      if (!orphans_scanned || take_orphan_scan_request()) {
        orphans_scanned = requeue_orphaned_tasks();
      }
      maintain_executor_pool();
      fire_due_timers();
      retention_pass_if_due();
      if (max_prepared_xacts > 0) remote::resolve_prepared_steps();
      timeout = milliseconds_to_next_timer(timeout);
    }
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
  }
}
