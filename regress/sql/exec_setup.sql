-- exec_setup: an ordinary LOGIN role that owns the workflows of the exec_* tests (steps
-- run with its rights; superuser instances are refused by default), and a helper that
-- waits for an instance to end.
CREATE ROLE regress_exec LOGIN;
SELECT df.grant_usage('regress_exec');
CREATE TABLE exec_effects (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON exec_effects TO regress_exec;

-- Waits (up to 30 s) for the instance to reach a terminal status and returns it.
-- df.await_instance holds the one list of terminal statuses (ext/instance_status.hpp).
CREATE FUNCTION await_end(id text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN df.await_instance(id, 30);
EXCEPTION WHEN others THEN
  RETURN 'timeout: ' || COALESCE(df.status(id), 'unknown');
END
$$;
GRANT EXECUTE ON FUNCTION await_end(text), wait_until(text, float8) TO regress_exec;

-- The result of every node of an instance, by node type then result (stable order).
CREATE FUNCTION node_results(id text) RETURNS TABLE (node_type text, status text, result text)
LANGUAGE sql AS $$
  SELECT node_type, status, result::text FROM df.nodes WHERE instance_id = id ORDER BY 1, 3, 2
$$;
GRANT EXECUTE ON FUNCTION node_results(text) TO regress_exec;
