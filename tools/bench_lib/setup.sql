-- setup.sql — the objects tools/bench needs, run by the superuser after CREATE EXTENSION.
-- A non-superuser LOGIN role df_bench owns every benchmark instance (superuser instances
-- are refused by default), the narrow table every step inserts into, and two server-side
-- drivers. The drivers run inside the server so that polling costs no network round trip
-- and starting an instance is one COMMIT, exactly as an application would do it.
SET client_min_messages = warning;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'df_bench') THEN
    CREATE ROLE df_bench LOGIN;
  END IF;
END
$$;
SELECT df.grant_usage('df_bench');
CREATE SCHEMA IF NOT EXISTS df_bench AUTHORIZATION df_bench;

SET ROLE df_bench;

-- The statement of pgbench's transaction and of every workflow step.
CREATE TABLE IF NOT EXISTS df_bench.narrow (v integer);

-- The in-server ceiling (issue 12): what a durable step costs at the floor - the step's
-- effect and a checkpoint of its instance in one transaction. One checkpoint row per
-- pgbench client, rewritten with a new event count and a 160-byte state by every
-- transaction of workloads.CEILING_SQL.
CREATE TABLE IF NOT EXISTS df_bench.ceiling_state (client integer PRIMARY KEY, event_count bigint NOT NULL,
                                                   state bytea NOT NULL) WITH (fillfactor = 50);
INSERT INTO df_bench.ceiling_state SELECT g, 0, '' FROM generate_series(0, 255) g ON CONFLICT DO NOTHING;

-- The same ceiling as a PL/pgSQL loop inside the server (issue 12's "in-server loop"): per
-- step the effect INSERT (workloads.STEP_SQL), the checkpoint-row UPDATE (as in
-- workloads.CEILING_SQL, on the session's own row) and a COMMIT, as three statements with
-- no client round trip, until `seconds` have passed. Each session's count and time window
-- go into ceiling_loop_runs with the last commit; one session per `client` (pgbench's
-- :client_id, rows 0-255 of ceiling_state).
CREATE TABLE IF NOT EXISTS df_bench.ceiling_loop_runs (run_label text NOT NULL, client integer NOT NULL,
                                                       steps bigint NOT NULL, started_at timestamptz NOT NULL,
                                                       finished_at timestamptz NOT NULL);
CREATE OR REPLACE PROCEDURE df_bench.ceiling_loop(client_id integer, seconds float8, run_label text)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  stop_at timestamptz := clock_timestamp() + make_interval(secs => seconds);
  n bigint := 0;
BEGIN
  WHILE clock_timestamp() < stop_at LOOP
    INSERT INTO df_bench.narrow VALUES (1);
    UPDATE df_bench.ceiling_state SET event_count = event_count + 1,
           state = decode(repeat(md5(event_count::text), 10), 'hex') WHERE client = client_id;
    COMMIT;
    n := n + 1;
  END LOOP;
  INSERT INTO df_bench.ceiling_loop_runs VALUES (run_label, client_id, n, t0, clock_timestamp());
  COMMIT;
END
$$;

-- Keeps `in_flight` instances of `graph` running: whenever fewer are pending/running it
-- starts new ones (`per_commit` per transaction), until `seconds` have passed or
-- `max_instances` were started; then waits until none is left. Polls every `poll_sleep`
-- seconds (0 = spin). Returns how many were started and the wall time from the first
-- start to the moment the last completion was seen.
-- The poll looks up only the ids it started and has not yet seen finish (primary key):
-- its cost is O(in_flight) whatever df.instances holds (each id's few row versions). A
-- count over `status IN ('pending', 'running')` read every entry idx_instances_status holds
-- for those statuses, dead ones included (each status change is a non-HOT update that
-- leaves one behind until VACUUM): with 3,000 finished instances it took 0.6-1.8 ms of the
-- two CPUs every millisecond, and the bench charged that to the engine's steps.
CREATE OR REPLACE PROCEDURE df_bench.drive(
    graph text, run_label text, in_flight integer, seconds float8, max_instances integer,
    per_commit integer, poll_sleep float8,
    INOUT started integer DEFAULT NULL, INOUT elapsed float8 DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  stop_at timestamptz := clock_timestamp() + make_interval(secs => seconds);
  give_up timestamptz := clock_timestamp() + make_interval(secs => seconds + 300);
  active integer := 0;
  batch integer;
  live text[] := '{}';  -- ids started by this call and not yet seen finished
BEGIN
  -- The poll's plan is made once (generic), as it is on empty tables: with finished
  -- instances in the table the plan cache chose a custom plan for every poll, 0.1 ms of
  -- planning every millisecond on the CPUs the executors need. (This psql session ends
  -- with the CALL; df.start's statements, inserts and primary-key lookups, get the same
  -- plans either way.)
  PERFORM set_config('plan_cache_mode', 'force_generic_plan', false);
  started := 0;
  LOOP
    IF active > 0 THEN
      -- The status test is the aggregate's FILTER, not a WHERE clause: the planner cannot
      -- pick idx_instances_status (and its dead entries) instead of the primary key.
      SELECT coalesce(array_agg(id) FILTER (WHERE status IN ('pending', 'running')), '{}') INTO live
        FROM df.instances WHERE id = ANY (live);
      active := cardinality(live);
    END IF;
    IF started < max_instances AND clock_timestamp() < stop_at THEN
      IF active < in_flight THEN
        batch := least(in_flight - active, per_commit, max_instances - started);
        FOR i IN 1 .. batch LOOP
          live := live || df.start(graph, run_label);
        END LOOP;
        active := active + batch;
        started := started + batch;
        COMMIT;
        CONTINUE;
      END IF;
    ELSIF active = 0 THEN
      EXIT;
    END IF;
    IF clock_timestamp() > give_up THEN
      RAISE EXCEPTION 'df_bench.drive: % instances still pending or running after % s', active,
        extract(epoch FROM clock_timestamp() - t0)::int;
    END IF;
    IF poll_sleep > 0 THEN
      PERFORM pg_sleep(poll_sleep);
    END IF;
  END LOOP;
  elapsed := extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- Starts `n` instances one after the other; for each, the time in milliseconds from the
-- moment df.start's COMMIT returned to the first df.status() call that says 'completed'
-- (df.status is polled in a loop, sleeping `poll_sleep` seconds between calls; 0 = spin).
CREATE OR REPLACE PROCEDURE df_bench.latency(
    graph text, run_label text, n integer, poll_sleep float8,
    INOUT samples_ms float8[] DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  id text;
  st text;
  t1 timestamptz;
BEGIN
  samples_ms := '{}';
  FOR i IN 1 .. n LOOP
    id := df.start(graph, run_label);
    COMMIT;
    t1 := clock_timestamp();
    LOOP
      st := df.status(id);
      EXIT WHEN st IN ('completed', 'failed', 'cancelled');  -- terminal statuses: ext/engine/instance_status.hpp
      IF clock_timestamp() > t1 + interval '60 seconds' THEN
        RAISE EXCEPTION 'df_bench.latency: instance % still % after 60 s', id, st;
      END IF;
      IF poll_sleep > 0 THEN
        PERFORM pg_sleep(poll_sleep);
      END IF;
    END LOOP;
    IF st <> 'completed' THEN
      RAISE EXCEPTION 'df_bench.latency: instance % ended %', id, st;
    END IF;
    samples_ms := samples_ms || (extract(epoch FROM clock_timestamp() - t1) * 1000)::float8;
  END LOOP;
END
$$;

-- Starts an instance that waits for 'first', then sends it `n` signals named 'x', one
-- COMMIT each, so every one is buffered (nobody waits for 'x' yet); then cancels it.
-- Returns ms per signal over the first tenth, the last tenth and all of them: equal
-- figures mean the cost per signal does not grow with the backlog.
CREATE OR REPLACE PROCEDURE df_bench.signals(
    n integer, run_label text,
    INOUT first_ms float8 DEFAULT NULL, INOUT last_ms float8 DEFAULT NULL, INOUT all_ms float8 DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  id text;
  tenth integer := greatest(n / 10, 1);
  t0 timestamptz;
  t_first timestamptz;
  t_last timestamptz;
BEGIN
  id := df.start(df.wait_for_signal('first') ~> df.wait_for_signal('x'), run_label);
  COMMIT;
  t0 := clock_timestamp();
  FOR i IN 1 .. n LOOP
    IF i = n - tenth + 1 THEN
      t_last := clock_timestamp();
    END IF;
    PERFORM df.signal(id, 'x', '{"k": 1}');
    COMMIT;
    IF i = tenth THEN
      t_first := clock_timestamp();
    END IF;
  END LOOP;
  first_ms := extract(epoch FROM t_first - t0) * 1000 / tenth;
  last_ms := extract(epoch FROM clock_timestamp() - t_last) * 1000 / tenth;
  all_ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / n;
  PERFORM df.cancel(id);
  COMMIT;
END
$$;

RESET ROLE;
