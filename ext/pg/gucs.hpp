// gucs.hpp — the configuration parameters of pg_durable (docs/reference.md §6 and its preface),
// registered once by _PG_init and read by the worker and the SQL functions.
#pragma once

namespace df::ext {

// HTTP policy (docs/reference.md preface): off | public | allowlist | all.
enum class HttpMode { Off = 0, Public = 1, Allowlist = 2, All = 3 };

struct Settings {
  char* worker_role;
  char* database;
  int max_user_connections;
  int execution_acquire_timeout_s;
  int max_new_transaction_starts;
  int new_transaction_start_timeout_s;
  bool enable_superuser_instances;
  int list_instances_max_limit;
  int retention_days;
  int reconcile_interval_s;
  int http_mode;            // HttpMode
  char* http_allowed_hosts;
  int http_max_response_bytes;
  int loop_min_interval_ms;
  int max_workers;          // executor pool size
  int max_steps_per_role;   // cluster default; ALTER ROLE ... SET overrides per role
  int worker_naptime_ms;    // idle poll of the scheduler (a safety net; wake-ups are latch based)
  char* non_retryable_sqlstates;  // SQLSTATE classes/codes a retry policy never retries
  int max_source_bytes;     // largest textual-language source df.compile / df.deploy accept
  // Input size caps (issue 11 item 8), checked where the input enters.
  int max_variable_bytes;     // df.setvar / df.vars value
  int max_step_result_bytes;  // a SQL step's result JSON (sql_result.cpp)
  int max_signal_bytes;       // df.signal data
  int max_buffered_signals;   // signals waiting for their df.wait_for_signal, per instance
  // Observability (issue 15).
  int log_failures;           // elevel of failure_log.hpp's lines, kLogFailuresOff = none
  int step_runs_per_node;     // run records kept in df.nodes.runs per node
};

inline constexpr int kLogFailuresOff = 0;

extern Settings settings;

void define_settings();

}  // namespace df::ext
