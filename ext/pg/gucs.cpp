// gucs.cpp — registration of every pg_durable GUC. Contexts and ranges follow
// docs/reference.md §6 (e.g. enable_superuser_instances is postmaster-context and hidden from
// non-superusers; list_instances_max_limit is SUSET).
#include "retry.hpp"

#include "pg/gucs.hpp"

#include "pg/pg_bridge.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace df::ext {

Settings settings;

namespace {

const struct config_enum_entry kHttpModes[] = {
    {"off", static_cast<int>(HttpMode::Off), false},
    {"public", static_cast<int>(HttpMode::Public), false},
    {"allowlist", static_cast<int>(HttpMode::Allowlist), false},
    {"all", static_cast<int>(HttpMode::All), false},
    {NULL, 0, false}};

void define_int(const char* name, const char* description, int* target, int boot, int min,
                int max, GucContext context, int flags = 0) {
  DefineCustomIntVariable(name, description, NULL, target, boot, min, max, context, flags, NULL,
                          NULL, NULL);
}

void define_string(const char* name, const char* description, char** target, const char* boot,
                   GucContext context) {
  DefineCustomStringVariable(name, description, NULL, target, boot, context, 0, NULL, NULL, NULL);
}

void define_connection_settings() {
  define_string("pg_durable.worker_role", "Role the pg_durable background workers connect as (a superuser).",
                &settings.worker_role, "postgres", PGC_POSTMASTER);
  define_string("pg_durable.database", "The database pg_durable lives in; default target of SQL steps.",
                &settings.database, "postgres", PGC_POSTMASTER);
  // max_management_connections and max_duroxide_connections of the reference sized its
  // connection pools; this engine runs inside the backends and its own workers and has
  // none, so they are not defined (README, "Settings").
  define_int("pg_durable.max_user_connections", "Maximum number of SQL steps executing at once (at most max_workers).",
             &settings.max_user_connections, 10, 1, 1000, PGC_POSTMASTER);
  define_int("pg_durable.execution_acquire_timeout", "Seconds a SQL step waits for an execution slot.",
             &settings.execution_acquire_timeout_s, 30, 1, 3600, PGC_POSTMASTER, GUC_UNIT_S);
  define_int("pg_durable.max_new_transaction_starts", "Cluster-wide slots for df.start(transaction_mode => 'new').",
             &settings.max_new_transaction_starts, 2, 1, 1000, PGC_POSTMASTER);
  define_int("pg_durable.new_transaction_start_timeout", "Seconds df.start(transaction_mode => 'new') waits for a slot.",
             &settings.new_transaction_start_timeout_s, 5, 1, 3600, PGC_POSTMASTER, GUC_UNIT_S);
  define_int("pg_durable.max_workers", "Size of the executor pool that runs steps (join and race branches run in parallel).",
             &settings.max_workers, 4, 1, 64, PGC_POSTMASTER);
  // Superuser-only: a role cannot raise its own cap. The scheduler reads per-role values
  // (ALTER ROLE r SET ...) from pg_db_role_setting (executor_pool.cpp), this one otherwise.
  int steps_per_role_default = settings.max_workers / 2 > 1 ? settings.max_workers / 2 : 1;
  define_int("pg_durable.max_steps_per_role", "Most steps (executors) one role runs at once; default max(1, max_workers/2).",
             &settings.max_steps_per_role, steps_per_role_default, 1, 64, PGC_SUSET);
}

void define_policy_settings() {
  DefineCustomBoolVariable("pg_durable.enable_superuser_instances",
                           "Allow workflows submitted by superusers to run.", NULL,
                           &settings.enable_superuser_instances, false, PGC_POSTMASTER,
                           GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
  define_int("pg_durable.list_instances_max_limit", "Largest limit_count df.list_instances accepts.",
             &settings.list_instances_max_limit, 1000, 1, 1000000, PGC_SUSET);
  define_int("pg_durable.retention_days", "Days terminal instances are kept (0 = remove at the next pass).",
             &settings.retention_days, 30, 0, 36500, PGC_POSTMASTER);
  define_int("pg_durable.reconcile_interval", "Seconds between retention passes (0 disables them).",
             &settings.reconcile_interval_s, 3600, 0, 86400, PGC_POSTMASTER, GUC_UNIT_S);
  DefineCustomEnumVariable("pg_durable.http_mode",
                           "Outbound HTTP policy: off, public (public addresses only), allowlist or all.",
                           NULL, &settings.http_mode, static_cast<int>(HttpMode::Public), kHttpModes,
                           PGC_SUSET, 0, NULL, NULL, NULL);
  define_string("pg_durable.http_allowed_hosts", "Comma-separated host suffixes allowed in http_mode = allowlist.",
                &settings.http_allowed_hosts, "", PGC_SUSET);
  define_int("pg_durable.http_max_response_bytes", "Largest HTTP response body a step accepts.",
             &settings.http_max_response_bytes, 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, PGC_SUSET,
             GUC_UNIT_BYTE);
  define_int("pg_durable.loop_min_interval", "Minimum wall time of one loop iteration.",
             &settings.loop_min_interval_ms, 1000, 0, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS);
  define_int("pg_durable.worker_naptime", "Longest the idle scheduler sleeps between safety-net scans.",
             &settings.worker_naptime_ms, 1000, 10, 60000, PGC_SIGHUP, GUC_UNIT_MS);
  define_int("pg_durable.max_source_bytes", "Largest workflow source df.compile and df.deploy accept.",
             &settings.max_source_bytes, 1024 * 1024, 1024, 64 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE);
}

bool check_sqlstate_list(char** newval, void**, GucSource) {
  if (*newval == nullptr || df::vm::valid_sqlstate_list(*newval)) return true;
  GUC_check_errdetail("Expected a comma-separated list of SQLSTATE classes (two characters) or codes (five).");
  return false;
}

// Failure handling (owner: fail).
void define_failure_settings() {
  DefineCustomStringVariable("pg_durable.non_retryable_sqlstates",
                             "SQLSTATE classes or codes a retry policy never retries (they cannot succeed on their own).",
                             NULL, &settings.non_retryable_sqlstates, "0A,28,42", PGC_SIGHUP, 0,
                             check_sqlstate_list, NULL, NULL);
}

void define_size_caps() {
  define_int("pg_durable.max_variable_bytes", "Largest value df.setvar (or df.vars) accepts.",
             &settings.max_variable_bytes, 1024 * 1024, 1, 1024 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE);
  define_int("pg_durable.max_step_result_bytes", "Largest result a SQL step may produce; a larger one fails the step.",
             &settings.max_step_result_bytes, 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024, PGC_SUSET,
             GUC_UNIT_BYTE);
  define_int("pg_durable.max_signal_bytes", "Largest signal_data df.signal accepts.",
             &settings.max_signal_bytes, 1024 * 1024, 1, 1024 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE);
  define_int("pg_durable.max_buffered_signals",
             "Most signals an instance keeps for a df.wait_for_signal it has not reached yet.",
             &settings.max_buffered_signals, 10000, 1, 100000000, PGC_SUSET);
}

// Observability (owner: obs): failure log lines (failure_log.hpp), run history kept per
// node (step_record.hpp).
const struct config_enum_entry kLogLevels[] = {
    {"off", kLogFailuresOff, false}, {"debug1", DEBUG1, false}, {"log", LOG, false},
    {"info", INFO, false},           {"notice", NOTICE, false}, {"warning", WARNING, false},
    {NULL, 0, false}};

void define_observability_settings() {
  DefineCustomEnumVariable("pg_durable.log_failures",
                           "Server log level of the line written per failed step attempt and per failed instance.",
                           NULL, &settings.log_failures, LOG, kLogLevels, PGC_SUSET, 0, NULL, NULL, NULL);
  define_int("pg_durable.step_runs_per_node",
             "Step attempts kept per node for df.step_runs (the oldest goes first; 0 keeps none).",
             &settings.step_runs_per_node, 20, 0, 1000, PGC_SUSET);
}

}  // namespace

void define_settings() {
  define_observability_settings();
  define_connection_settings();
  define_policy_settings();
  define_failure_settings();
  define_size_caps();
  MarkGUCPrefixReserved("pg_durable");
}

}  // namespace df::ext
