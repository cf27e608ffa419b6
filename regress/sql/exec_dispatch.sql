-- exec_dispatch: how new work reaches the executors (issue 12). A commit that makes a task
-- runnable wakes ONE idle executor of the task's role per task and hands it that task
-- (the executor claims the row by its key instead of scanning the role's queue); the
-- other idle executors stay asleep. df.openmetrics() counts it: executor wake-ups, the
-- hand-offs their claims took or found gone, latch wake-ups that found nothing.
\set VERBOSITY terse
CREATE FUNCTION dispatch_counter(sample text) RETURNS numeric LANGUAGE sql AS $$
  SELECT substring(line FROM ' (\S+)$')::numeric
  FROM regexp_split_to_table(df.openmetrics(), E'\n') line
  WHERE substring(line FROM '^(\S+) ') = sample LIMIT 1
$$;
CREATE VIEW dispatch_counters AS
  SELECT dispatch_counter('pg_durable_executor_wakeups_total') AS woken,
         dispatch_counter('pg_durable_executor_handoffs_total{outcome="taken"}') AS taken,
         dispatch_counter('pg_durable_executor_handoffs_total{outcome="missed"}') AS missed;

-- two executors of regress_exec (its cap, max(1, max_workers / 2)), both asleep afterwards:
-- a join runs its two branches at once
SET ROLE regress_exec;
SELECT df.start(('SELECT pg_sleep(0.3) AS a' |=> 'a') & ('SELECT pg_sleep(0.3) AS b' |=> 'b')) AS warm \gset
SELECT await_end(:'warm');
RESET ROLE;
SELECT wait_until($$(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_durable executor'
                     AND usename = 'regress_exec' AND wait_event = 'Extension') = 2$$) AS two_idle_executors;

-- ten one-step instances, one after the other, each awaited before the next starts
CREATE TEMP TABLE before AS SELECT * FROM dispatch_counters;
SET ROLE regress_exec;
DO $$
DECLARE id text;
BEGIN
  FOR i IN 1 .. 10 LOOP
    id := df.start(format('INSERT INTO exec_effects (instance, step) VALUES (%L, %L)', 'dispatch', i));
    COMMIT;
    IF df.await_instance(id, 30) <> 'completed' THEN
      RAISE EXCEPTION 'instance % ended %', id, df.status(id);
    END IF;
  END LOOP;
END
$$;
RESET ROLE;
-- every step ran exactly once
SELECT count(*) AS effects, count(DISTINCT step) AS distinct_steps FROM exec_effects WHERE instance = 'dispatch';
-- each start woke at most one executor (waking every idle one would wake two per start),
-- the first start found both asleep and handed its task over, and every hand-off was
-- settled by its executor's claim
SELECT a.woken - b.woken BETWEEN 1 AND 10 AS at_most_one_wakeup_per_start,
       a.taken - b.taken >= 1 AS handed_over,
       (a.taken - b.taken) + (a.missed - b.missed) = a.woken - b.woken AS every_handoff_claimed
FROM dispatch_counters a, before b;
DROP VIEW dispatch_counters;
DROP FUNCTION dispatch_counter(text);
