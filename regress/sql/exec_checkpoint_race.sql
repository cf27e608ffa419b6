-- exec_checkpoint_race: an event's checkpoint, node stamps and new tasks are written by
-- one statement whose stamp and task parts apply only if its compare-and-set on the
-- instance's state matched (ext/engine/engine_core.cpp write_event). Here a signal
-- changes the state while a step runs, so the step's checkpoint finds the state moved on:
-- the executor then writes its outcome under the row lock instead. Every stamp, run
-- record and metric of the step counts once - none of the failed compare-and-set's.
CREATE SEQUENCE race_attempts;
GRANT USAGE ON SEQUENCE race_attempts TO regress_exec;
-- the step counters of df.openmetrics() (readable by a superuser)
CREATE FUNCTION race_counters() RETURNS TABLE (name text, value numeric) LANGUAGE sql AS $$
  SELECT substring(line FROM '^(\S+) '), substring(line FROM ' (\S+)$')::numeric
  FROM regexp_split_to_table(df.openmetrics(), E'\n') line
  WHERE line ~ '^pg_durable_(steps_started_total|step_attempts_total\{outcome="(succeeded|failed)"\}|step_retries_total) '
$$;
CREATE TEMP TABLE counters_before AS SELECT * FROM race_counters();
SET ROLE regress_exec;
\set VERBOSITY terse
-- attempt 1 of the first step fails (after 0.5 s), attempt 2 succeeds; the second step
-- (the executor's continuation of the first) writes an effect; a signal lands during
-- attempt 1 and another during the second step
SELECT df.start(
  df.retry('SELECT 1 / (nextval(''race_attempts'') - 1)::integer AS first FROM pg_sleep(0.5)',
           max_attempts => 2, backoff => '10 ms')
  ~> 'INSERT INTO exec_effects SELECT ''{sys_instance_id}'', ''second'' FROM pg_sleep(0.5) RETURNING step'
  & (df.wait_for_signal('one') ~> df.wait_for_signal('two'))) AS id \gset
SELECT wait_until('executor_sleeping()');
SELECT df.signal(:'id', 'one', '1');
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND query LIKE ''INSERT%%'' '
                         'AND status = ''running'') AND executor_sleeping()', :'id'));
SELECT df.signal(:'id', 'two', '2');
SELECT await_end(:'id');
RESET ROLE;
-- the signals took their checkpoints first: each step outcome's compare-and-set failed
SELECT last_value AS attempts_run FROM race_attempts;
-- the effect of the second step once, each node stamped as it ended
SELECT step, count(*) FROM exec_effects WHERE instance = :'id' GROUP BY step;
SELECT node_type, status, result FROM df.nodes WHERE instance_id = :'id' ORDER BY node_type, status, result::text;
-- one run record per attempt: attempt 1 failed and retried, attempt 2 succeeded
SELECT n.query LIKE 'SELECT 1 /%' AS first_step, r.attempt, r.status, r.retried, r.sqlstate
FROM df.step_runs r JOIN df.nodes n ON n.instance_id = r.instance_id AND n.id = r.node_id
WHERE r.instance_id = :'id' ORDER BY first_step DESC, r.attempt;
-- the metrics count each attempt once: 3 started, 2 succeeded, 1 failed and retried
SELECT a.name, a.value - b.value AS delta FROM race_counters() a JOIN counters_before b USING (name) ORDER BY a.name;
-- the frozen graph is a write-once row of its own, read back by the executors that ran
-- the steps; the checkpoint row every step rewrites holds the state only
SELECT array_length(g.node_ids, 1) = (SELECT count(*) FROM df.nodes WHERE instance_id = :'id') AS all_node_ids,
       g.graph LIKE '{%' AS wire_json, pg_column_size(s.*) < octet_length(g.graph) AS checkpoint_row_smaller
FROM _duroxide.instance_graphs g JOIN _duroxide.instance_state s USING (instance_id) WHERE instance_id = :'id';
SELECT attname FROM pg_attribute
WHERE attrelid = '_duroxide.instance_state'::regclass AND attname IN ('graph', 'node_ids') AND NOT attisdropped;
DROP FUNCTION race_counters();
DROP SEQUENCE race_attempts;
