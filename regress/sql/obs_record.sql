-- obs_record: what every instance did (issue 15). Real clock times (created_at when
-- df.start ran, a step's times when its statement ran, durations that include it), the
-- whole error record of a failed node in df.nodes.error, one df.step_runs row per step
-- attempt (RLS: the submitter's only), one server-log line per failed attempt and per
-- failed instance, and executors visible in pg_stat_activity as
-- 'pg_durable executor N', the submitter, and the instance and node they run.
-- Ids and times are masked or compared, never printed.
CREATE FUNCTION obs_mask(t text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(t, '[0-9a-f]{8}', '<id>', 'g')
$$;
GRANT EXECUTE ON FUNCTION obs_mask(text) TO regress_exec;
SET ROLE regress_exec;

-- 1. Clock times. created_at is when df.start ran (0.3 s into its transaction), the step's
-- started_at/finished_at bracket its 0.5 s statement, and every duration includes it.
BEGIN;
SELECT pg_sleep(0.3);
SELECT df.start('SELECT pg_sleep(0.5) AS slept', label => 'obs timing') AS id \gset
SELECT created_at - now() >= interval '0.3 s' AS created_when_called FROM df.instances WHERE id = :'id';
COMMIT;
SELECT await_end(:'id');
SELECT completed_at - created_at >= interval '0.5 s' AS instance_took_the_step,
       completed_at <= clock_timestamp() AS completed_in_the_past
FROM df.instances WHERE id = :'id';
SELECT finished_at - started_at >= interval '0.5 s' AS step_took_its_time,
       started_at >= (SELECT created_at FROM df.instances WHERE id = :'id') AS started_after_start,
       updated_at >= finished_at AS stamped_after
FROM df.nodes WHERE instance_id = :'id';
SELECT duration_ms >= 500 AS execution_includes_step, status FROM df.instance_executions(:'id');
SELECT attempt, status, retried, duration_ms >= 500 AS measured, finished_at - started_at >= interval '0.5 s' AS span,
       sqlstate, error
FROM df.step_runs WHERE instance_id = :'id';
-- A first-try success writes no run record (issue 12): the node's own columns hold it, and
-- the run row shows exactly their times and execution stamp.
SELECT n.runs IS NULL AS no_record_written, r.started_at = n.started_at AS same_start,
       r.finished_at = n.finished_at AS same_finish, r.execution_id = n.status_details ->> 'execution_id' AS same_stamp,
       r.iteration
FROM df.nodes n JOIN df.step_runs r ON r.node_id = n.id WHERE n.instance_id = :'id';

-- 2. The error record: message, SQLSTATE, detail/hint/context, the statement as executed
-- ($n substituted), the attempt. The text stays in result; the failed THEN above the
-- step carries the same record.
SELECT df.start('SELECT 0 AS n' |=> 'z' ~>
  $q$DO $do$ BEGIN IF $z.n = 0 THEN RAISE EXCEPTION 'cannot use %', $z.n USING DETAIL = 'z was zero', HINT = 'pass a positive n', ERRCODE = '22023'; END IF; END $do$$q$) AS id \gset
SELECT await_end(:'id');
SELECT node_type, status, error::jsonb ->> 'message' AS message, error::jsonb ->> 'sqlstate' AS sqlstate,
       error::jsonb ->> 'detail' AS detail, error::jsonb ->> 'hint' AS hint, split_part(error::jsonb ->> 'context', E'\n', 1) AS context,
       error::jsonb ->> 'statement' AS statement, error::jsonb ->> 'attempt' AS attempt,
       result #>> '{}' = error::jsonb ->> 'message' AS result_is_message
FROM df.nodes WHERE instance_id = :'id' AND status = 'failed' ORDER BY node_type;
SELECT count(*) AS errors_on_completed_nodes FROM df.nodes WHERE instance_id = :'id' AND status <> 'failed' AND error IS NOT NULL;

-- 3. Retries: one run row per attempt, the last one not retried; a success after them.
SELECT df.start(df.retry('SELECT 1 / 0', max_attempts => 3, backoff => 0.01) ~> 'SELECT 2 AS never') AS id \gset
SELECT await_end(:'id');
SELECT node_type, attempt, iteration, status, retried, sqlstate, error_message, error ->> 'statement' AS statement,
       started_at <= finished_at AS ordered, obs_mask(execution_id) AS execution_id
FROM df.step_runs WHERE instance_id = :'id' ORDER BY attempt;
SELECT status, error::jsonb ->> 'attempt' AS attempt, status_details -> 'attempts' AS attempts,
       started_at = (SELECT min(started_at) FROM df.step_runs WHERE instance_id = :'id') AS from_first_attempt,
       finished_at = (SELECT max(finished_at) FROM df.step_runs WHERE instance_id = :'id') AS to_last_attempt
FROM df.nodes WHERE instance_id = :'id' AND node_type = 'SQL' AND query = 'SELECT 1 / 0';
-- a loop: one row per iteration, numbered
SELECT df.start(df.loop('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''obs'') RETURNING step',
                        'SELECT count(*) < 3 FROM exec_effects WHERE instance = ''{sys_instance_id}''')) AS loop_id \gset
SELECT await_end(:'loop_id');
SELECT node_type, query, attempt, iteration, status FROM df.step_runs WHERE instance_id = :'loop_id' ORDER BY query, iteration;
-- the last iteration's success is the node's own columns; the earlier ones were appended
-- to runs by the stamp that started the next iteration
SELECT left(query, 6) AS step, jsonb_array_length(runs) AS records_written, status FROM df.nodes
WHERE instance_id = :'loop_id' AND node_type = 'SQL' ORDER BY query;

-- pg_durable.step_runs_per_node caps the attempts a node keeps (the oldest go first), 0
-- keeps none; set here for one role (its executors pick it up before its next step)
RESET ROLE;
ALTER ROLE regress_exec SET pg_durable.step_runs_per_node = 2;
SET ROLE regress_exec;
SELECT df.start(df.loop('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''obs'') RETURNING step',
                        'SELECT count(*) < 3 FROM exec_effects WHERE instance = ''{sys_instance_id}''')) AS capped_id \gset
SELECT await_end(:'capped_id');
SELECT node_type, left(query, 6) AS step, iteration FROM df.step_runs WHERE instance_id = :'capped_id' ORDER BY query, iteration;
SELECT left(query, 6) AS step, jsonb_array_length(runs) AS records_written FROM df.nodes
WHERE instance_id = :'capped_id' AND node_type = 'SQL' ORDER BY query;
RESET ROLE;
ALTER ROLE regress_exec SET pg_durable.step_runs_per_node = 0;
SET ROLE regress_exec;
SELECT df.start('SELECT 1 AS unrecorded') AS none_id \gset
SELECT await_end(:'none_id');
SELECT count(*) AS kept_runs, (SELECT finished_at IS NOT NULL FROM df.nodes WHERE instance_id = :'none_id') AS still_timed
FROM df.step_runs WHERE instance_id = :'none_id';
RESET ROLE;
ALTER ROLE regress_exec RESET pg_durable.step_runs_per_node;
SET ROLE regress_exec;

-- 4. df.step_runs shows each role its own attempts only.
RESET ROLE;
CREATE ROLE regress_obs_peer LOGIN;
SELECT df.grant_usage('regress_obs_peer');
SET ROLE regress_obs_peer;
SELECT count(*) AS peer_sees FROM df.step_runs WHERE instance_id = :'id';
RESET ROLE;
SET ROLE regress_exec;
SELECT count(*) AS owner_sees FROM df.step_runs WHERE instance_id = :'id';

-- 5. The server log: a line per failed attempt and per failed instance, naming the
-- workflow (df.start_workflow) and the SQLSTATE.
SELECT * FROM df.deploy('obs_failing', $w$workflow obs_failing() {
  'SELECT 1 AS first' ~> 'DO $$ BEGIN RAISE EXCEPTION ''obs-log-check'' USING ERRCODE = ''22023''; END $$'
}$w$);
SELECT df.start_workflow('obs_failing') AS wf_id \gset
SELECT await_end(:'wf_id');
RESET ROLE;
CREATE FUNCTION obs_log_raw(marker text) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT substring(line FROM 'pg_durable: .*')
  FROM regexp_split_to_table(pg_read_file(current_setting('data_directory') || '/../../log/postmaster.log'), E'\n') line
  WHERE line LIKE '%pg_durable: instance ' || marker || '%'
$$;
SELECT wait_until(format('(SELECT count(*) FROM obs_log_raw(%L)) = 2', :'wf_id')) AS logged;
SELECT obs_mask(l) FROM obs_log_raw(:'wf_id') l;
-- ... naming the failed step's node
SELECT bool_and(l LIKE '%node ' || n.id || '%') AS names_failed_node
FROM obs_log_raw(:'wf_id') l, df.nodes n
WHERE n.instance_id = :'wf_id' AND n.node_type = 'SQL' AND n.status = 'failed';
-- pg_durable.log_failures = off (here for one role: its executors pick the setting up
-- before its next step) writes no line; back on, the next failure is logged again.
ALTER ROLE regress_exec SET pg_durable.log_failures = off;
SET ROLE regress_exec;
SELECT df.start('SELECT 1 / 0 AS quiet') AS quiet_id \gset
SELECT await_end(:'quiet_id');
RESET ROLE;
ALTER ROLE regress_exec RESET pg_durable.log_failures;
SET ROLE regress_exec;
SELECT df.start('SELECT 1 / 0 AS loud') AS loud_id \gset
SELECT await_end(:'loud_id');
RESET ROLE;
SELECT wait_until(format('(SELECT count(*) FROM obs_log_raw(%L)) = 2', :'loud_id')) AS loud_logged;
SELECT count(*) AS quiet_lines FROM obs_log_raw(:'quiet_id');

-- 6. pg_stat_activity: an executor runs the step as its submitter, named by its slot,
-- reporting instance and node.
SELECT pg_advisory_lock(15015);
SET ROLE regress_exec;
SELECT df.start('SELECT pg_advisory_xact_lock(15015) AS waited') AS id \gset
RESET ROLE;
SELECT wait_until($$EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event_type = 'Lock' AND query LIKE '%15015%')$$) AS blocked;
SELECT usename, application_name ~ '^pg_durable executor [0-9]+$' AS named, obs_mask(query) AS query,
       substring(query FROM 'instance ([0-9a-f]{8})') = :'id' AS right_instance,
       substring(query FROM 'node ([0-9a-f]{8})') = (SELECT n.id FROM df.nodes n WHERE n.instance_id = :'id') AS right_node
FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND query LIKE '%15015%';
SELECT pg_advisory_unlock(15015);
SELECT await_end(:'id');
