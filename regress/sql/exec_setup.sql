-- exec_setup: an ordinary LOGIN role that owns the workflows of the exec_* tests (steps
-- run with its rights; superuser instances are refused by default), and a helper that
-- waits for an instance to end.
CREATE ROLE regress_exec LOGIN;
SELECT df.grant_usage('regress_exec');
CREATE TABLE exec_effects (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON exec_effects TO regress_exec;

-- Waits (up to 30 s) for the instance to reach a terminal status and returns it.
-- df.await_instance holds the one list of terminal statuses (ext/engine/instance_status.hpp).
CREATE FUNCTION await_end(id text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN df.await_instance(id, 30);
EXCEPTION WHEN others THEN
  RETURN 'timeout: ' || COALESCE(df.status(id), 'unknown');
END
$$;
-- True once no step of the instance is queued or in flight: a claimed task's row is
-- deleted in the transaction that commits the step, so afterwards nothing of it can
-- still commit. Waits on "nothing more happened" poll this instead of sleeping.
CREATE FUNCTION instance_idle(id text) RETURNS bool LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
  SELECT NOT EXISTS (SELECT 1 FROM _duroxide.tasks t WHERE t.instance_id = id AND t.kind <> 'timer')
$$;
-- True while an executor is inside pg_sleep (a step's statement is really running).
CREATE FUNCTION executor_sleeping() RETURNS bool LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                 WHERE backend_type = 'pg_durable executor' AND wait_event = 'PgSleep')
$$;
GRANT EXECUTE ON FUNCTION await_end(text), wait_until(text, float8), instance_idle(text),
  executor_sleeping() TO regress_exec;

-- The result of every node of an instance, by node type then result (stable order).
CREATE FUNCTION node_results(id text) RETURNS TABLE (node_type text, status text, result text)
LANGUAGE sql AS $$
  SELECT node_type, status, result::text FROM df.nodes WHERE instance_id = id ORDER BY 1, 3, 2
$$;
GRANT EXECUTE ON FUNCTION node_results(text) TO regress_exec;
