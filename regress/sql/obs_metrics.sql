-- obs_metrics: how busy the engine is (issue 15). df.openmetrics() in the OpenMetrics text
-- format, readable only by roles given df.grant_monitor; its counters move with the steps
-- that ran, its gauges with the queue, timers and buffered signals. df.list_instances and
-- df.instance_info name the workflow and version of df.start_workflow instances.
CREATE ROLE regress_scraper LOGIN;
-- one sample's value (the first with that name and labels)
CREATE FUNCTION om(sample text) RETURNS numeric LANGUAGE sql AS $$
  SELECT substring(line FROM ' (\S+)$')::numeric
  FROM regexp_split_to_table(df.openmetrics(), E'\n') line
  WHERE substring(line FROM '^(\S+) ') = sample LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION om(text) TO regress_scraper, regress_exec;
\set VERBOSITY terse

-- not for everyone: a role without the grant is refused
SET ROLE regress_exec;
SELECT df.openmetrics();
RESET ROLE;
SELECT df.grant_monitor('regress_scraper');
SET ROLE regress_scraper;
-- the families and samples (values masked; per-workflow samples come below)
SELECT regexp_replace(line, ' [0-9][0-9.e+]*$', ' <n>') AS line
FROM regexp_split_to_table(df.openmetrics(), E'\n') line
WHERE line NOT LIKE 'pg_durable_workflow_instances{%' AND line <> '';
SELECT count(*) FROM df.instances AS sees_no_instances;  -- monitoring only: no usage grant
-- counters before
CREATE TEMP TABLE before AS
  SELECT om('pg_durable_steps_started_total') AS started,
         om('pg_durable_step_attempts_total{outcome="succeeded"}') AS succeeded,
         om('pg_durable_step_attempts_total{outcome="failed"}') AS failed,
         om('pg_durable_step_retries_total') AS retried,
         om('pg_durable_step_duration_seconds_count') AS observed,
         om('pg_durable_step_duration_seconds_sum') AS seconds,
         om('pg_durable_timers') AS timers,
         om('pg_durable_signals_buffered') AS buffered;
RESET ROLE;

-- a workflow: one step that succeeds (0.2 s), one that fails twice under a retry policy
SET ROLE regress_exec;
SELECT * FROM df.deploy('obs_metered', $w$workflow obs_metered() {
  'SELECT pg_sleep(0.2) AS slow' ~> retry('SELECT 1 / 0', max_attempts => 2, backoff => '10 ms')
}$w$);
SELECT df.start_workflow('obs_metered', label => 'metered') AS wf \gset
SELECT await_end(:'wf');
SELECT function_name, status FROM df.list_instances('failed', 1);
SELECT function_name, status FROM df.list_instances(NULL, 1, 'metered');
SELECT function_name, function_version, status FROM df.instance_info(:'wf');
-- a plain df.start keeps the reference's function name
SELECT df.start('SELECT 1', label => 'plain') AS plain \gset
SELECT await_end(:'plain');
SELECT function_name, function_version FROM df.instance_info(:'plain');
-- a timer and a buffered signal
SELECT df.start(df.wait_for_signal('first') ~> df.wait_for_signal('second')) AS waiting \gset
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND node_type = ''SIGNAL'' AND status = ''running'')', :'waiting'));
SELECT df.signal(:'waiting', 'second');
SELECT df.start(df.sleep(3600)) AS sleeper \gset
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND node_type = ''SLEEP'' AND status = ''running'')', :'sleeper'));
RESET ROLE;

SET ROLE regress_scraper;
SELECT om('pg_durable_steps_started_total') - started AS started,
       om('pg_durable_step_attempts_total{outcome="succeeded"}') - succeeded AS succeeded,
       om('pg_durable_step_attempts_total{outcome="failed"}') - failed AS failed,
       om('pg_durable_step_retries_total') - retried AS retried,
       om('pg_durable_step_duration_seconds_count') - observed AS observed,
       om('pg_durable_step_duration_seconds_sum') - seconds >= 0.2 AS took_the_sleep,
       om('pg_durable_timers') - timers AS timers,
       om('pg_durable_signals_buffered') - buffered AS buffered
FROM before;
SELECT om('pg_durable_workflow_instances{workflow="obs_metered",status="failed"}') AS metered_failed;
-- the histogram is cumulative and ends with +Inf = _count
SELECT bool_and(v >= prev) AS cumulative FROM (
  SELECT substring(line FROM ' (\S+)$')::numeric AS v,
         lag(substring(line FROM ' (\S+)$')::numeric, 1, 0) OVER (ORDER BY ord) AS prev
  FROM regexp_split_to_table(df.openmetrics(), E'\n') WITH ORDINALITY AS l(line, ord)
  WHERE line LIKE 'pg_durable_step_duration_seconds_bucket%') b;
SELECT om('pg_durable_step_duration_seconds_bucket{le="+Inf"}') = om('pg_durable_step_duration_seconds_count') AS inf_is_count;
RESET ROLE;

-- queue depth and the oldest runnable step's age: three steps of one role held on a lock
SELECT pg_advisory_lock(15016);
SET ROLE regress_exec;
SELECT df.start('SELECT pg_advisory_xact_lock(15016)') AS q1 \gset
SELECT df.start('SELECT pg_advisory_xact_lock(15016)') AS q2 \gset
SELECT df.start('SELECT pg_advisory_xact_lock(15016)') AS q3 \gset
RESET ROLE;
SET ROLE regress_scraper;
SELECT wait_until($$om('pg_durable_queue_oldest_runnable_age_seconds') > 0$$) AS aged;
SELECT om('pg_durable_queue_depth') AS queue_depth;
RESET ROLE;
SELECT pg_advisory_unlock(15016);
SET ROLE regress_exec;
SELECT await_end(:'q1'), await_end(:'q2'), await_end(:'q3');
SELECT df.cancel(:'sleeper') IS NOT NULL AS cancelled, df.cancel(:'waiting') IS NOT NULL AS cancelled;
RESET ROLE;
SET ROLE regress_scraper;
SELECT om('pg_durable_queue_depth') AS queue_depth, om('pg_durable_queue_oldest_runnable_age_seconds') AS age;
RESET ROLE;

-- revoked: refused again
SELECT df.revoke_monitor('regress_scraper');
SET ROLE regress_scraper;
SELECT df.openmetrics();
RESET ROLE;
