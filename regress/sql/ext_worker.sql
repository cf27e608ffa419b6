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

-- DROP EXTENSION without CASCADE refuses while the extension holds workflows or instances
-- and says what would be lost (counts masked: earlier tests decide them); CASCADE drops it
DO $$
DECLARE msg text; detail text; hint text;
BEGIN
  DROP EXTENSION pg_durable;
EXCEPTION WHEN dependent_objects_still_exist THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RAISE NOTICE E'%\n%\n%', msg, regexp_replace(detail, '[0-9]+', 'N', 'g'), hint;
END $$;
DROP EXTENSION pg_durable CASCADE;
SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '_duroxide') AS engine_schema_gone;
SELECT wait_until('scheduler_pid() IS NOT NULL') AS worker_survives_drop;

-- CREATE EXTENSION again: the same worker re-attaches and publishes a new epoch
CREATE EXTENSION pg_durable;
SELECT wait_until('worker_ready()') AS ready_after_recreate;
SELECT count(*) AS epochs FROM df._worker_epoch;

-- the readiness table belongs to the extension: an empty extension drops without CASCADE;
-- one deployed workflow is enough to refuse
SELECT * FROM df.deploy('keep_me', $$'SELECT 1'$$);
\set VERBOSITY default
DROP EXTENSION pg_durable;  -- expect: cannot drop, 1 deployed workflows, 0 unfinished, 0 finished
\set VERBOSITY terse
DELETE FROM df.workflows;
DROP EXTENSION pg_durable;
SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname IN ('df', '_duroxide')) AS all_gone;
CREATE EXTENSION pg_durable;
SELECT wait_until('worker_ready()') AS ready_again;
