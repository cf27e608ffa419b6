-- Monitoring (docs/reference.md §3.5, §14). Rows come from df.instances under the caller's
-- RLS; the engine-derived columns come from _duroxide.instance_summaries, a C function
-- that re-checks visibility as the caller before it reads the engine's tables, and that
-- omits instances the engine does not know (yet). Status always comes from df.instances.

CREATE FUNCTION _duroxide.instance_summaries(ids text[])
  RETURNS TABLE(instance_id text, engine_status text, generation bigint, event_count bigint,
                output text, started_at timestamptz, finished_at timestamptz)
  AS 'MODULE_PATHNAME', 'df_instance_summaries' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION _duroxide.check_list_limit(limit_count integer) RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  max_limit integer := current_setting('pg_durable.list_instances_max_limit')::integer;
BEGIN
  IF limit_count < 1 THEN
    RAISE EXCEPTION 'limit_count must be at least 1' USING ERRCODE = 'XX000';
  END IF;
  IF limit_count > max_limit THEN
    RAISE EXCEPTION 'df.list_instances: limit_count (%) exceeds pg_durable.list_instances_max_limit (%); request fewer rows, or use the paginated df.list_instances overload (after_cursor/next_cursor) for large result sets',
      limit_count, max_limit USING ERRCODE = 'XX000';
  END IF;
END
$$;

CREATE FUNCTION df.list_instances(status_filter text DEFAULT NULL, limit_count integer DEFAULT 100)
  RETURNS TABLE(instance_id text, label text, function_name text, status text,
                execution_count bigint, output text)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
BEGIN
  PERFORM _duroxide.check_list_limit(coalesce(limit_count, 100));
  RETURN QUERY
    WITH page AS (
      SELECT i.id::text AS id, i.label, i.status, i.created_at FROM df.instances i
      WHERE status_filter IS NULL OR i.status = status_filter
      ORDER BY i.created_at DESC LIMIT coalesce(limit_count, 100))
    SELECT p.id, p.label, coalesce(w.workflow_name, 'pg_durable::orchestration::execute-function-graph'::text),
           p.status, e.generation, e.output
    FROM page p JOIN _duroxide.instance_summaries(ARRAY(SELECT id FROM page)) e ON e.instance_id = p.id
    LEFT JOIN df.workflow_runs w ON w.instance_id = p.id
    ORDER BY p.created_at DESC;
END
$$;

-- Keyset cursor: lowercase hex of 'v1|<created_at>|<id>' taken from the page's last row.
CREATE FUNCTION _duroxide.decode_list_cursor(after_cursor text, OUT ts timestamptz, OUT id text)
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  plain text;
  parts text[];
BEGIN
  IF after_cursor = '' OR length(after_cursor) > 512 OR length(after_cursor) % 2 <> 0
     OR after_cursor !~ '^[0-9a-fA-F]+$' THEN
    RAISE EXCEPTION 'df.list_instances: invalid after_cursor' USING ERRCODE = 'XX000';
  END IF;
  BEGIN
    plain := convert_from(decode(after_cursor, 'hex'), 'UTF8');
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'df.list_instances: invalid after_cursor' USING ERRCODE = 'XX000';
  END;
  parts := string_to_array(plain, '|');
  IF array_length(parts, 1) <> 3 OR parts[1] <> 'v1' OR parts[2] = '' OR parts[3] = ''
     OR parts[2] !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}(:[0-9]{2})?$' THEN
    RAISE EXCEPTION 'df.list_instances: invalid after_cursor' USING ERRCODE = 'XX000';
  END IF;
  ts := parts[2]::timestamptz;
  id := parts[3];
END
$$;

CREATE FUNCTION df.list_instances(status_filter text, limit_count integer, label_filter text,
                                  after_cursor text DEFAULT NULL)
  RETURNS TABLE(instance_id text, label text, function_name text, status text,
                execution_count bigint, output text, created_at timestamptz,
                completed_at timestamptz, next_cursor text)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  n integer := coalesce(limit_count, 100);
  after_ts timestamptz;
  after_id text;
BEGIN
  PERFORM _duroxide.check_list_limit(n);
  IF after_cursor IS NOT NULL THEN
    SELECT c.ts, c.id INTO after_ts, after_id FROM _duroxide.decode_list_cursor(after_cursor) c;
  END IF;
  RETURN QUERY
    WITH page AS (
      SELECT row_number() OVER (ORDER BY i.created_at DESC, i.id ASC) AS ord, i.id::text AS id,
             i.label, i.status, i.created_at, i.completed_at
      FROM df.instances i
      WHERE i.created_at IS NOT NULL
        AND (status_filter IS NULL OR i.status = status_filter)
        AND (label_filter IS NULL OR i.label = label_filter)
        AND (after_ts IS NULL OR i.created_at < after_ts OR (i.created_at = after_ts AND i.id > after_id))
      ORDER BY i.created_at DESC, i.id ASC
      LIMIT n + 1),
    cursor_out AS (  -- only when a row beyond this page exists
      SELECT encode(convert_to('v1|' || to_char(p.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.USOF') || '|' || p.id,
                               'UTF8'), 'hex') AS value
      FROM page p WHERE p.ord = n AND EXISTS (SELECT 1 FROM page q WHERE q.ord > n))
    SELECT p.id, p.label, coalesce(w.workflow_name, 'pg_durable::orchestration::execute-function-graph'::text),
           p.status, e.generation, e.output, p.created_at,
           CASE WHEN p.status = 'completed' THEN p.completed_at END, (SELECT c.value FROM cursor_out c)
    FROM page p
    JOIN _duroxide.instance_summaries(ARRAY(SELECT q.id FROM page q WHERE q.ord <= n)) e ON e.instance_id = p.id
    LEFT JOIN df.workflow_runs w ON w.instance_id = p.id
    WHERE p.ord <= n
    ORDER BY p.ord;
END
$$;

CREATE FUNCTION df.instance_info(instance_id text)
  RETURNS TABLE(instance_id text, label text, function_name text, function_version text,
                current_execution_id bigint, status text, output text,
                forked_from text, forked_from_node text)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT i.id::text, i.label, coalesce(w.workflow_name, 'pg_durable::orchestration::execute-function-graph'::text),
           coalesce(w.workflow_version::text, '1.0.0'::text), e.generation, i.status, e.output,
           i.forked_from::text, i.forked_from_node::text
    FROM df.instances i
    JOIN _duroxide.instance_summaries(ARRAY[$1]) e ON e.instance_id = i.id
    LEFT JOIN df.workflow_runs w ON w.instance_id = i.id
    WHERE i.id = $1
  $$;

-- The engine keeps the current generation only: one row, the newest execution.
-- One row per root generation of a visible instance, newest first (C, see ext/surface/monitor.cpp).
CREATE FUNCTION _duroxide.instance_execution_history(id text, max_rows integer)
  RETURNS TABLE(execution_id bigint, status text, event_count bigint, duration_ms bigint, output text)
  AS 'MODULE_PATHNAME', 'df_instance_execution_history' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.instance_executions(instance_id text, limit_count integer DEFAULT 5)
  RETURNS TABLE(execution_id bigint, status text, event_count bigint, duration_ms bigint, output text)
  LANGUAGE plpgsql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF limit_count < 1 THEN
    RAISE EXCEPTION 'limit_count must be at least 1' USING ERRCODE = 'XX000';
  END IF;
  RETURN QUERY
    SELECT h.execution_id, h.status, h.event_count, h.duration_ms, h.output
    FROM _duroxide.instance_execution_history($1, least(limit_count, 10000)) h;
END
$$;

CREATE FUNCTION df.instance_nodes(instance_id_param text)
  RETURNS TABLE(node_id text, node_type text, query text, result_name text, left_node text,
                right_node text, status text, result text, status_details text,
                inferred_status text, inferred_status_from_ancestor_id text, updated_at timestamptz)
  AS 'MODULE_PATHNAME', 'df_instance_nodes' LANGUAGE C STRICT VOLATILE;

-- Compatibility shape: one execution, no inference.
CREATE FUNCTION df.instance_nodes(instance_id_param text, _last_n_executions integer)
  RETURNS TABLE(execution_id bigint, node_id text, node_type text, query text, result_name text,
                left_node text, right_node text, status text, result text, updated_at timestamptz)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT 1::bigint, n.id::text, n.node_type, n.query, n.result_name, n.left_node::text,
           n.right_node::text, n.status, n.result::text, n.updated_at
    FROM df.nodes n WHERE n.instance_id = $1
  $$;

-- Engine-wide counts across all users (admin only: PUBLIC EXECUTE is revoked below).
CREATE FUNCTION df.metrics()
  RETURNS TABLE(total_instances bigint, running_instances bigint, completed_instances bigint,
                failed_instances bigint, total_executions bigint, total_events bigint)
  LANGUAGE plpgsql STRICT VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  -- PL/pgSQL: the engine's tables are created later in the install script.
  RETURN QUERY
    SELECT count(*), count(*) FILTER (WHERE NOT s.finished),
           count(*) FILTER (WHERE s.finished AND i.status = 'completed'),
           count(*) FILTER (WHERE s.finished AND i.status IS DISTINCT FROM 'completed'),
           coalesce(sum(s.generation), 0)::bigint, coalesce(sum(s.event_count), 0)::bigint
    FROM _duroxide.instance_state s LEFT JOIN df.instances i ON i.id = s.instance_id;
END
$$;

-- The engine in the OpenMetrics text format (ext/surface/openmetrics.cpp): every user's instances,
-- so EXECUTE is revoked from PUBLIC (sql/parts/70_admin.sql: df.grant_monitor).
CREATE FUNCTION df.openmetrics() RETURNS text
  AS 'MODULE_PATHNAME', 'df_openmetrics' LANGUAGE C STRICT VOLATILE;

-- The run record a step node's own columns hold (issue 12: the common attempt costs no
-- write of its own): a step whose newest attempt succeeded at the first try is not
-- appended to df.nodes.runs; its record is read back from the node's execution stamp and
-- clock times. NULL for any other node, or when runs already ends with that attempt. A
-- runs of '[]' says that no attempt is kept (pg_durable.step_runs_per_node = 0).
-- Both functions below are plain SQL without SET search_path or sub-selects so that the
-- planner inlines them into the stamp's UPDATE and the view (no statement of their own); they name only pg_catalog objects, which the
-- engine's forced search_path (AsEngineOwner) resolves first, and the view runs as its
-- invoker anyway.
CREATE FUNCTION _duroxide.held_run(node_type text, status text, details jsonb, started timestamptz,
                                   finished timestamptz, runs jsonb) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
  SELECT CASE WHEN node_type IN ('SQL', 'HTTP', 'HTTP_MULTIPART') AND status = 'completed'
                   AND started IS NOT NULL AND finished IS NOT NULL AND NOT coalesce(details ? 'attempts', false)
                   AND (runs IS NULL OR (jsonb_array_length(runs) > 0 AND (runs -> -1 ->> 'finished_us')
                        IS DISTINCT FROM ((extract(epoch FROM finished) * 1000000)::bigint)::text))
    THEN jsonb_build_object(
      'attempt', 1,
      'iteration', greatest(coalesce(substring(details ->> 'execution_id' FROM '::([0-9]{1,9})$')::integer, 1) - 1, 0),
      'execution_id', details ->> 'execution_id', 'status', 'succeeded', 'retried', false,
      'started_us', (extract(epoch FROM started) * 1000000)::bigint,
      'finished_us', (extract(epoch FROM finished) * 1000000)::bigint,
      'duration_ms', greatest(((extract(epoch FROM finished) - extract(epoch FROM started)) * 1000000)::bigint / 1000, 0),
      'error', NULL::jsonb)
  END
  $$;

-- A node stamp's new runs (ext/engine/step_record.hpp): the stored ones, then the record
-- the old columns held (about to be overwritten), then the stamp's own record; at most
-- `kept` of them with the one the new columns hold (`held_next`: a first-try success).
CREATE FUNCTION _duroxide.stamped_runs(runs jsonb, held jsonb, run jsonb, held_next boolean, kept integer)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE  -- STABLE: jsonb_build_object is (an IMMUTABLE body with it is not inlined)
  AS $$
  SELECT CASE
    WHEN kept <= 0 THEN CASE WHEN held_next THEN '[]'::jsonb ELSE runs END
    WHEN kept - held_next::integer <= 0 THEN NULL
    ELSE nullif(jsonb_path_query_array(coalesce(runs, '[]'::jsonb) || coalesce(held, '[]'::jsonb) || coalesce(run, '[]'::jsonb),
                                       '$[last - $k + 1 to last]', jsonb_build_object('k', kept - held_next::integer)),
                '[]'::jsonb)
  END
  $$;

-- Run history in the spirit of pg_cron's job_run_details: one row per attempt of a SQL or
-- HTTP step, from the run records the node stamps append to df.nodes.runs and the one a
-- node's own columns hold (_duroxide.held_run), at most pg_durable.step_runs_per_node per
-- node, oldest dropped. security_invoker: df.nodes' RLS shows each role its own instances only.
CREATE VIEW df.step_runs WITH (security_invoker = true) AS
  SELECT n.instance_id::text AS instance_id, n.id::text AS node_id, n.node_type, r.attempt, r.iteration,
         r.execution_id, r.status, r.retried,
         'epoch'::timestamptz + r.started_us * interval '1 microsecond' AS started_at,
         'epoch'::timestamptz + r.finished_us * interval '1 microsecond' AS finished_at,
         round((r.finished_us - r.started_us) / 1000.0, 3) AS duration_ms, r.error ->> 'sqlstate' AS sqlstate, r.error ->> 'message' AS error_message, r.error,
         n.query, n.submitted_by
  FROM df.nodes n
  CROSS JOIN LATERAL jsonb_to_recordset(coalesce(n.runs, '[]'::jsonb) ||
      coalesce(_duroxide.held_run(n.node_type, n.status, n.status_details, n.started_at, n.finished_at, n.runs),
               '[]'::jsonb)) AS r(attempt integer, iteration integer, execution_id text,
                                  status text, retried boolean, started_us bigint,
                                  finished_us bigint, error jsonb)
  WHERE n.runs IS NOT NULL OR n.finished_at IS NOT NULL;
REVOKE ALL ON df.step_runs FROM PUBLIC;

-- Live view of an instance, or a dry run of a graph, DSL expression or SQL statement.
CREATE FUNCTION df.explain(input text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_explain' LANGUAGE C STRICT VOLATILE;
