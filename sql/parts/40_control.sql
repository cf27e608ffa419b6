-- Starting and controlling instances (docs/reference.md §3.3). df.start, df.signal, df.cancel
-- and df.await_instance are C functions (ext/surface/start.cpp, ext/surface/control.cpp) that act as the
-- caller; the read-only helpers are plain SQL under the caller's RLS.

-- max_attempts / max_backoff: the instance-wide retry policy of SQL and HTTP steps (1 =
-- no retry; waits double from 1 second up to max_backoff, an interval or seconds);
-- on_failure: what an unhandled failure does ('fail': undo and fail; 'pause': wait for df.resume).
CREATE FUNCTION df.start(fut text, label text DEFAULT NULL, database text DEFAULT NULL,
                         transaction_mode text DEFAULT 'caller', max_attempts integer DEFAULT 1,
                         max_backoff "any" DEFAULT '16 seconds', on_failure text DEFAULT 'fail')
  RETURNS text
  AS 'MODULE_PATHNAME', 'df_start' LANGUAGE C VOLATILE;

CREATE FUNCTION df.signal(instance_id text, signal_name text, signal_data text DEFAULT '{}')
  RETURNS text AS 'MODULE_PATHNAME', 'df_signal' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.cancel(instance_id text, reason text DEFAULT 'Cancelled by user')
  RETURNS text AS 'MODULE_PATHNAME', 'df_cancel' LANGUAGE C STRICT VOLATILE;
-- A failed instance runs on from the steps that failed (docs/error-handling.md).
CREATE FUNCTION df.resume(instance_id text)
  RETURNS text AS 'MODULE_PATHNAME', 'df_resume' LANGUAGE C STRICT VOLATILE;
-- df.fork: a new instance of the same graph that reuses the results of the steps before
-- from_node and runs from_node and what follows; returns the new instance id.
CREATE FUNCTION df.fork(instance_id text, from_node text)
  RETURNS text AS 'MODULE_PATHNAME', 'df_fork' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.status(instance_id text) RETURNS text
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT i.status FROM df.instances i WHERE i.id = status.instance_id $$;

-- The root node's result, jsonb-normalised, only once the root completed.
CREATE FUNCTION df.result(instance_id text) RETURNS text
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT n.result::text FROM df.instances i
          JOIN df.nodes n ON n.instance_id = i.id AND n.id = i.root_node
        WHERE i.id = result.instance_id AND n.status = 'completed' $$;

CREATE FUNCTION df.await_instance(instance_id text, timeout_seconds integer DEFAULT 30)
  RETURNS text AS 'MODULE_PATHNAME', 'df_await_instance' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.wait_for_completion(instance_id text, timeout_seconds integer DEFAULT 30)
  RETURNS text AS 'MODULE_PATHNAME', 'df_wait_for_completion' LANGUAGE C STRICT VOLATILE;

-- Kept for compatibility: the scheduler is woken by commits, there is nothing to trigger.
CREATE FUNCTION df.run(instance_id text DEFAULT NULL) RETURNS text
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT CASE WHEN run.instance_id IS NULL THEN 'Triggered run for all pending instances'
                    ELSE 'Triggered run for instance: ' || run.instance_id END $$;
