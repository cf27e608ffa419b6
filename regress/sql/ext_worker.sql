-- ext_worker: the scheduler's lifecycle — restart after SIGTERM, configuration reload,
-- and following DROP EXTENSION / CREATE EXTENSION without a server restart.

-- SIGTERM: the worker exits promptly and the postmaster starts a new one
SELECT scheduler_pid() AS old_pid \gset
SELECT pg_terminate_backend(:old_pid);
SELECT wait_until(format('scheduler_pid() IS NOT NULL AND scheduler_pid() <> %s', :old_pid)) AS restarted;
SELECT wait_until('worker_ready()') AS ready_again;

-- SIGHUP: a reload keeps the same worker running
SELECT scheduler_pid() AS pid_before_reload \gset
SELECT pg_reload_conf();
SELECT wait_until('true') AND scheduler_pid() = :pid_before_reload AS same_worker_after_reload;

-- DROP EXTENSION needs CASCADE: the worker's readiness table lives in the extension's schema
DROP EXTENSION pg_durable;  -- expect: cannot drop, other objects depend on it
DROP EXTENSION pg_durable CASCADE;
SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '_duroxide') AS engine_schema_gone;
SELECT wait_until('scheduler_pid() IS NOT NULL') AS worker_survives_drop;

-- CREATE EXTENSION again: the same worker re-attaches and publishes a new epoch
CREATE EXTENSION pg_durable;
SELECT wait_until('worker_ready()') AS ready_after_recreate;
SELECT count(*) AS epochs FROM df._worker_epoch;
