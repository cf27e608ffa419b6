-- Frozen install script of release 0.2.6 (tag v0.2.6), generated from that tag's sql/parts; kept
-- so tests can install 0.2.6 and upgrade it. Never edit it: schema changes go to sql/updates/.
-- pg_durable install script, assembled from sql/parts/*.sql by the build.
-- complain if the script is sourced in psql rather than run by CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_durable" to load this file. \quit
-- Schemas and identity functions (REFERENCE.md §1, §3.6). No IF NOT EXISTS: creating the
-- extension over a pre-existing df schema must fail.
CREATE SCHEMA df;
CREATE SCHEMA _duroxide;

CREATE FUNCTION df.duroxide_schema() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$SELECT '_duroxide'::text$$;

CREATE FUNCTION df.version() RETURNS text
  AS 'MODULE_PATHNAME', 'df_version' LANGUAGE C VOLATILE;

CREATE FUNCTION df.target_database() RETURNS text
  AS 'MODULE_PATHNAME', 'df_target_database' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Worker liveness (REFERENCE.md §5): one row per worker (re)initialisation, bumped every 5 s.
CREATE TABLE df._worker_epoch (
  epoch_id uuid PRIMARY KEY,
  started_at timestamptz DEFAULT now(),
  last_seen_at timestamptz DEFAULT now()
);
REVOKE ALL ON df._worker_epoch FROM PUBLIC;

-- Error-boundary self tests (not user API; see ext/selftest.cpp).
CREATE FUNCTION _duroxide.selftest_throw(text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_selftest_throw' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION _duroxide.selftest_pg_error(text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_selftest_pg_error' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION _duroxide.selftest_pg_error_caught(text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_selftest_pg_error_caught' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION _duroxide.selftest_destructor_runs() RETURNS integer
  AS 'MODULE_PATHNAME', 'df_selftest_destructor_runs' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION _duroxide.selftest_throw(text), _duroxide.selftest_pg_error(text),
  _duroxide.selftest_pg_error_caught(text), _duroxide.selftest_destructor_runs() FROM PUBLIC;
-- Catalog tables of the SQL surface (REFERENCE.md §5): instances, their nodes in the
-- persisted form of §2, and per-role variables. Every CHECK and FK is NOT VALID (it binds
-- new rows only), the FKs are DEFERRABLE INITIALLY DEFERRED because df.start inserts the
-- instance before the nodes it points at, and RLS (enabled, not forced) confines each
-- role to its own rows. No privilege is granted to PUBLIC: df.grant_usage hands out the
-- df.start-shaped column grants.

CREATE TABLE df.instances (
  id varchar(8) PRIMARY KEY,
  label text,
  root_node varchar(8) NOT NULL,
  status text DEFAULT 'pending',
  submitted_by regrole NOT NULL,
  database text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  completed_at timestamptz
);

CREATE TABLE df.nodes (
  id varchar(8) NOT NULL,
  instance_id varchar(8) NOT NULL,
  node_type text NOT NULL,
  query text,
  result_name text,
  left_node varchar(8),
  right_node varchar(8),
  status text DEFAULT 'pending',
  result jsonb,
  error text,
  submitted_by regrole,
  database text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  status_details jsonb,
  PRIMARY KEY (instance_id, id)
);

CREATE TABLE df.vars (
  name text NOT NULL,
  value text,
  owner regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  PRIMARY KEY (owner, name)
);

ALTER TABLE df.instances
  ADD CONSTRAINT instances_id_format_chk CHECK (id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT instances_root_node_format_chk CHECK (root_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT instances_status_chk
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')) NOT VALID,
  ADD CONSTRAINT instances_identity_key UNIQUE (id, submitted_by);

ALTER TABLE df.nodes
  ADD CONSTRAINT nodes_instance_id_present_chk CHECK (instance_id IS NOT NULL) NOT VALID,
  ADD CONSTRAINT nodes_submitted_by_present_chk CHECK (submitted_by IS NOT NULL) NOT VALID,
  ADD CONSTRAINT nodes_id_format_chk CHECK (id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_instance_id_format_chk CHECK (instance_id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_left_node_format_chk
    CHECK (left_node IS NULL OR left_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_right_node_format_chk
    CHECK (right_node IS NULL OR right_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_node_type_chk
    CHECK (node_type IN ('SQL', 'THEN', 'IF', 'JOIN', 'LOOP', 'BREAK', 'RACE', 'SLEEP',
                         'WAIT_SCHEDULE', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL')) NOT VALID,
  ADD CONSTRAINT nodes_result_name_chk
    CHECK (result_name IS NULL OR result_name ~ '^[A-Za-z_][A-Za-z0-9_]*$') NOT VALID,
  ADD CONSTRAINT nodes_status_chk
    CHECK (status IN ('pending', 'running', 'completed', 'failed')) NOT VALID,
  ADD CONSTRAINT nodes_result_status_chk
    CHECK (result IS NULL OR status IN ('completed', 'failed')) NOT VALID,
  ADD CONSTRAINT nodes_structure_chk CHECK (
    CASE
      WHEN node_type IN ('SQL', 'SLEEP', 'WAIT_SCHEDULE', 'BREAK', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL')
        THEN left_node IS NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'THEN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type = 'IF'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      WHEN node_type = 'LOOP'
        THEN left_node IS NOT NULL AND right_node IS NULL
      WHEN node_type = 'JOIN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL
      WHEN node_type = 'RACE'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      ELSE false
    END) NOT VALID;

-- The cross-table FKs, added once both tables exist (instances -> nodes is circular).
ALTER TABLE df.instances
  ADD CONSTRAINT instances_root_node_same_instance_fkey FOREIGN KEY (id, root_node)
    REFERENCES df.nodes (instance_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID;

ALTER TABLE df.nodes
  ADD CONSTRAINT nodes_instance_identity_fkey FOREIGN KEY (instance_id, submitted_by)
    REFERENCES df.instances (id, submitted_by) DEFERRABLE INITIALLY DEFERRED NOT VALID,
  ADD CONSTRAINT nodes_left_node_same_instance_fkey FOREIGN KEY (instance_id, left_node)
    REFERENCES df.nodes (instance_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID,
  ADD CONSTRAINT nodes_right_node_same_instance_fkey FOREIGN KEY (instance_id, right_node)
    REFERENCES df.nodes (instance_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID;

CREATE INDEX idx_instances_status ON df.instances (status, created_at DESC, id);
CREATE INDEX idx_instances_created_at ON df.instances (created_at DESC, id);
CREATE INDEX idx_instances_label ON df.instances (label, created_at DESC, id)
  WHERE label IS NOT NULL;
CREATE INDEX idx_nodes_instance ON df.nodes (instance_id);

-- quote_ident(): a mixed-case or quoted role name must resolve to itself.
ALTER TABLE df.instances ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.vars ENABLE ROW LEVEL SECURITY;
CREATE POLICY instances_user_isolation ON df.instances FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
CREATE POLICY nodes_user_isolation ON df.nodes FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
CREATE POLICY vars_user_isolation ON df.vars FOR ALL
  USING (owner = quote_ident(current_user)::regrole)
  WITH CHECK (owner = quote_ident(current_user)::regrole);

REVOKE ALL ON df.instances, df.nodes, df.vars FROM PUBLIC;

-- Workflows as code (README "Workflows as code"): df.deploy stores each workflow of a
-- source as a new version; instances started from one record which version they run.
CREATE TABLE df.workflows (
  name text NOT NULL,
  version integer NOT NULL,
  source text NOT NULL,
  graph text NOT NULL,
  params jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  PRIMARY KEY (name, version),
  CONSTRAINT workflows_version_positive_chk CHECK (version >= 1),
  CONSTRAINT workflows_name_chk CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]*$')
);

CREATE TABLE df.workflow_runs (
  instance_id varchar(8) PRIMARY KEY REFERENCES df.instances (id) ON DELETE CASCADE
    DEFERRABLE INITIALLY DEFERRED,
  workflow_name text NOT NULL,
  workflow_version integer NOT NULL,
  submitted_by regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  FOREIGN KEY (workflow_name, workflow_version) REFERENCES df.workflows (name, version)
);
ALTER TABLE df.workflow_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY workflow_runs_user_isolation ON df.workflow_runs FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
REVOKE ALL ON df.workflows, df.workflow_runs FROM PUBLIC;
-- The graph constructors and the seven DSL operators (REFERENCE.md §3.1, §3.2). The
-- constructors are C functions over the compiler's builders (ext/dsl_functions.cpp):
-- they return wire JSON text and touch no table. The operators are created in
-- pg_catalog (the control file's schema) so they resolve whatever the search_path; as
-- ordinary user operators they all share one precedence and associate to the left.

CREATE FUNCTION df.sql(query text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_sql' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.seq(a text, b text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_seq' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.as(fut text, name text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_as' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.join(a text, b text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_join' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.join3(a text, b text, c text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_join3' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.race(a text, b text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_race' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.if(condition text, then_branch text, else_branch text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_if' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.if_rows(result_name text, then_branch text, else_branch text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_if_rows' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.loop(body text, condition text DEFAULT NULL) RETURNS text
  AS 'MODULE_PATHNAME', 'df_loop' LANGUAGE C VOLATILE;
CREATE FUNCTION df.break(value text DEFAULT NULL) RETURNS text
  AS 'MODULE_PATHNAME', 'df_break' LANGUAGE C VOLATILE;
CREATE FUNCTION df.sleep(seconds bigint) RETURNS text
  AS 'MODULE_PATHNAME', 'df_sleep' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.wait_for_schedule(cron_expr text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_wait_for_schedule' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION df.wait_for_signal(name text, timeout_seconds integer DEFAULT NULL) RETURNS text
  AS 'MODULE_PATHNAME', 'df_wait_for_signal' LANGUAGE C VOLATILE;
CREATE FUNCTION df.http(url text, method text DEFAULT 'POST', body text DEFAULT NULL,
                        headers jsonb DEFAULT NULL, timeout_seconds integer DEFAULT 30)
  RETURNS text AS 'MODULE_PATHNAME', 'df_http' LANGUAGE C VOLATILE;
CREATE FUNCTION df.http_multipart(url text, method text DEFAULT 'POST', parts jsonb DEFAULT NULL,
                                  headers jsonb DEFAULT NULL, timeout_seconds integer DEFAULT 30)
  RETURNS text AS 'MODULE_PATHNAME', 'df_http_multipart' LANGUAGE C VOLATILE;

-- Operator helpers. They exist only to back operators (REFERENCE.md §4).
CREATE FUNCTION df.as_op(fut text, name text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, df, pg_temp
  AS $$ SELECT df.as(fut, name) $$;

-- `c ?> t` keeps both operands as raw text in a partial-if marker that `!>` completes.
CREATE FUNCTION df.if_then_op(condition text, then_branch text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT jsonb_build_object('_partial_if', true, 'condition', condition,
                                  'then_branch', then_branch)::text $$;

CREATE FUNCTION df.if_else_op(partial_if text, else_branch text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  marker jsonb;
BEGIN
  BEGIN
    marker := partial_if::jsonb;
  EXCEPTION WHEN others THEN
    marker := NULL;  -- not JSON at all: not a ?> expression either
  END;
  IF marker IS NULL OR jsonb_typeof(marker) <> 'object' OR marker->>'_partial_if' IS NULL THEN
    RAISE EXCEPTION 'Invalid if-then-else: left side of !> must be a ?> expression'
      USING ERRCODE = 'XX000';
  END IF;
  -- ->> yields the raw text of a string operand and the JSON text of an embedded object
  -- (the older marker form), so df.if applies its own auto-wrap to both.
  RETURN df.if(marker->>'condition', marker->>'then_branch', else_branch);
END
$$;

CREATE FUNCTION df.loop_prefix_op(body text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, df, pg_temp
  AS $$ SELECT df.loop(body) $$;

CREATE OPERATOR pg_catalog.~> (LEFTARG = text, RIGHTARG = text, FUNCTION = df.seq);
CREATE OPERATOR pg_catalog.|=> (LEFTARG = text, RIGHTARG = text, FUNCTION = df.as_op);
CREATE OPERATOR pg_catalog.& (LEFTARG = text, RIGHTARG = text, FUNCTION = df.join);
CREATE OPERATOR pg_catalog.| (LEFTARG = text, RIGHTARG = text, FUNCTION = df.race);
CREATE OPERATOR pg_catalog.?> (LEFTARG = text, RIGHTARG = text, FUNCTION = df.if_then_op);
CREATE OPERATOR pg_catalog.!> (LEFTARG = text, RIGHTARG = text, FUNCTION = df.if_else_op);
CREATE OPERATOR pg_catalog.@> (RIGHTARG = text, FUNCTION = df.loop_prefix_op);
-- Starting and controlling instances (REFERENCE.md §3.3). df.start, df.signal, df.cancel
-- and df.await_instance are C functions (ext/start.cpp, ext/control.cpp) that act as the
-- caller; the read-only helpers are plain SQL under the caller's RLS.

CREATE FUNCTION df.start(fut text, label text DEFAULT NULL, database text DEFAULT NULL,
                         transaction_mode text DEFAULT 'caller') RETURNS text
  AS 'MODULE_PATHNAME', 'df_start' LANGUAGE C VOLATILE;

CREATE FUNCTION df.signal(instance_id text, signal_name text, signal_data text DEFAULT '{}')
  RETURNS text AS 'MODULE_PATHNAME', 'df_signal' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.cancel(instance_id text, reason text DEFAULT 'Cancelled by user')
  RETURNS text AS 'MODULE_PATHNAME', 'df_cancel' LANGUAGE C STRICT VOLATILE;

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
-- Per-role workflow variables (REFERENCE.md §3.4), captured by df.start and substituted
-- as {name} at run time. Scoped to owner = current_user even for superusers (who would
-- see every row through RLS). The modifying helpers refuse to run inside a workflow
-- step and leave the df.non_future_helper marker, so a composer that receives their
-- 'OK' in the same statement can name the mistake (auto-wrap rule 1, §2).

CREATE FUNCTION df.setvar(name text, value text) RETURNS text
  LANGUAGE plpgsql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM set_config('df.non_future_helper', 'df.setvar()' || chr(10) || statement_timestamp()::text, true);
  IF current_setting('df.in_workflow', true) = 'true' THEN
    RAISE EXCEPTION 'df.setvar() cannot be called inside a workflow - set variables before starting the workflow'
      USING ERRCODE = 'XX000';
  END IF;
  INSERT INTO df.vars AS v (name, value) VALUES (setvar.name, setvar.value)
    ON CONFLICT ON CONSTRAINT vars_pkey DO UPDATE SET value = EXCLUDED.value;
  RETURN 'OK';
END
$$;

CREATE FUNCTION df.getvar(name text) RETURNS text
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT v.value FROM df.vars v
        WHERE v.owner = quote_ident(current_user)::regrole AND v.name = getvar.name $$;

CREATE FUNCTION df.unsetvar(name text) RETURNS text
  LANGUAGE plpgsql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM set_config('df.non_future_helper', 'df.unsetvar()' || chr(10) || statement_timestamp()::text, true);
  IF current_setting('df.in_workflow', true) = 'true' THEN
    RAISE EXCEPTION 'df.unsetvar() cannot be called inside a workflow - manage variables before starting the workflow'
      USING ERRCODE = 'XX000';
  END IF;
  DELETE FROM df.vars v WHERE v.owner = quote_ident(current_user)::regrole AND v.name = unsetvar.name;
  RETURN 'OK';
END
$$;

CREATE FUNCTION df.clearvars() RETURNS text
  LANGUAGE plpgsql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM set_config('df.non_future_helper', 'df.clearvars()' || chr(10) || statement_timestamp()::text, true);
  IF current_setting('df.in_workflow', true) = 'true' THEN
    RAISE EXCEPTION 'df.clearvars() cannot be called inside a workflow - manage variables before starting the workflow'
      USING ERRCODE = 'XX000';
  END IF;
  DELETE FROM df.vars v WHERE v.owner = quote_ident(current_user)::regrole;
  RETURN 'OK';
END
$$;
-- Monitoring (REFERENCE.md §3.5, §14). Rows come from df.instances under the caller's
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
    SELECT p.id, p.label, 'pg_durable::orchestration::execute-function-graph'::text, p.status,
           e.generation, e.output
    FROM page p JOIN _duroxide.instance_summaries(ARRAY(SELECT id FROM page)) e ON e.instance_id = p.id
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
    SELECT p.id, p.label, 'pg_durable::orchestration::execute-function-graph'::text, p.status,
           e.generation, e.output, p.created_at,
           CASE WHEN p.status = 'completed' THEN p.completed_at END, (SELECT c.value FROM cursor_out c)
    FROM page p
    JOIN _duroxide.instance_summaries(ARRAY(SELECT q.id FROM page q WHERE q.ord <= n)) e ON e.instance_id = p.id
    WHERE p.ord <= n
    ORDER BY p.ord;
END
$$;

CREATE FUNCTION df.instance_info(instance_id text)
  RETURNS TABLE(instance_id text, label text, function_name text, function_version text,
                current_execution_id bigint, status text, output text)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT i.id::text, i.label, 'pg_durable::orchestration::execute-function-graph'::text,
           '1.0.0'::text, e.generation, i.status, e.output
    FROM df.instances i
    JOIN _duroxide.instance_summaries(ARRAY[$1]) e ON e.instance_id = i.id
    WHERE i.id = $1
  $$;

-- The engine keeps the current generation only: one row, the newest execution.
-- One row per root generation of a visible instance, newest first (C, see ext/monitor.cpp).
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

-- Live view of an instance, or a dry run of a graph, DSL expression or SQL statement.
CREATE FUNCTION df.explain(input text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_explain' LANGUAGE C STRICT VOLATILE;
-- Administration (REFERENCE.md §3.6, §1 step 6, §15). grant_usage / revoke_usage run as
-- the caller (SECURITY INVOKER), so PostgreSQL's grantor rules decide what a
-- non-superuser admin may hand out. Sensitive functions lose PUBLIC EXECUTE.

CREATE FUNCTION df.grant_usage(p_role text, include_http boolean DEFAULT false,
                               with_grant boolean DEFAULT false) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  grant_option text := CASE WHEN with_grant THEN ' WITH GRANT OPTION' ELSE '' END;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA df TO %I', p_role) || grant_option;
  IF include_http THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.http(text,text,text,jsonb,integer) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.http_multipart(text,text,jsonb,jsonb,integer) TO %I', p_role) || grant_option;
  END IF;
  IF with_grant THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.grant_usage(text,boolean,boolean) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.revoke_usage(text) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.metrics() TO %I', p_role) || grant_option;
  END IF;
  EXECUTE format('GRANT SELECT ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT UPDATE (status, updated_at) ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT ON df.nodes TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, label, root_node, submitted_by, database) ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON df.vars TO %I', p_role) || grant_option;
  -- Workflows as code: read and deploy workflows, record which version an instance runs.
  EXECUTE format('GRANT SELECT, INSERT ON df.workflows TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT ON df.workflow_runs TO %I', p_role) || grant_option;
  RAISE NOTICE 'pg_durable: granted df usage privileges to "%"', p_role;
END
$$;

CREATE FUNCTION df.revoke_usage(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  fn text;
BEGIN
  FOREACH fn IN ARRAY ARRAY['df.http(text,text,text,jsonb,integer)', 'df.metrics()',
                            'df.http_multipart(text,text,jsonb,jsonb,integer)',
                            'df.grant_usage(text,boolean,boolean)', 'df.revoke_usage(text)'] LOOP
    BEGIN
      EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I CASCADE', fn, p_role);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;  -- not ours to revoke: PostgreSQL's grantor rules apply
    END;
  END LOOP;
  EXECUTE format('REVOKE SELECT, UPDATE (status, updated_at) ON df.instances FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT ON df.nodes FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, label, root_node, submitted_by, database) ON df.instances FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON df.vars FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT ON df.workflows, df.workflow_runs FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE USAGE ON SCHEMA df FROM %I CASCADE', p_role);
  RAISE NOTICE 'pg_durable: revoked df usage privileges granted by "%" from "%"', current_user, p_role;
END
$$;

REVOKE EXECUTE ON FUNCTION df.http(text,text,text,jsonb,integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.http_multipart(text,text,jsonb,jsonb,integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.metrics() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.grant_usage(text,boolean,boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.revoke_usage(text) FROM PUBLIC;
-- Workflows as code (README "Workflows as code"): the textual language compiled in the
-- database (ext/compile_function.cpp). df.deploy stores versions in df.workflows;
-- df.start_workflow starts the latest one and records the version in df.workflow_runs.

CREATE FUNCTION df.compile(source text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_compile' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.deploy(name text, source text) RETURNS TABLE(workflow text, version integer)
  AS 'MODULE_PATHNAME', 'df_deploy' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.start_workflow(name text, params jsonb DEFAULT '{}', label text DEFAULT NULL)
  RETURNS text AS 'MODULE_PATHNAME', 'df_start_workflow' LANGUAGE C VOLATILE;

-- Which workflow version each visible instance runs.
CREATE FUNCTION df.workflow_instances(name text)
  RETURNS TABLE(instance_id text, version integer, status text, created_at timestamptz)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT r.instance_id::text, r.workflow_version, i.status, i.created_at
        FROM df.workflow_runs r JOIN df.instances i ON i.id = r.instance_id
        WHERE r.workflow_name = $1 ORDER BY i.created_at DESC, r.instance_id $$;
-- The durable engine's tables (engine schema; not user API). One row per instance holds
-- the frozen graph, the node ids in pre-order and the serialised VM state; one row per
-- pending unit of work (SQL step, HTTP call, timer). A VM transition commits together
-- with its effects; executors claim work with FOR UPDATE SKIP LOCKED, so a crashed
-- executor's claim and its step's effects vanish together.

CREATE TABLE _duroxide.instance_state (
  instance_id varchar(8) PRIMARY KEY,
  graph text NOT NULL,                 -- wire JSON, frozen at df.start
  node_ids text[] NOT NULL,            -- df.nodes ids in pre-order
  submitted_by oid NOT NULL,           -- role the steps run as
  database text,                       -- NULL = the extension's database
  state bytea NOT NULL,                -- vm::serialize(State)
  finished boolean NOT NULL DEFAULT false,
  output text,                         -- root result or error once finished
  generation integer NOT NULL DEFAULT 1,
  event_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE _duroxide.tasks (
  instance_id varchar(8) NOT NULL,
  task_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sql', 'http', 'timer')),
  node integer NOT NULL,               -- pre-order node index
  payload text,                        -- SQL text or HTTP config (substituted)
  iteration integer NOT NULL DEFAULT 0,
  due_at timestamptz,                  -- timers only
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (instance_id, task_id)
);
CREATE INDEX tasks_due_timers ON _duroxide.tasks (due_at) WHERE kind = 'timer';
CREATE INDEX tasks_runnable ON _duroxide.tasks (created_at) WHERE kind <> 'timer';

REVOKE ALL ON _duroxide.instance_state, _duroxide.tasks FROM PUBLIC;

-- One row per root generation ("execution": 1, plus one per root-loop iteration), for
-- df.instance_executions / df.instance_info / df.list_instances. status uses the engine
-- vocabulary: Running, ContinuedAsNew, Completed, Failed, Canceled (output
-- 'cancelled: <reason>').
CREATE TABLE _duroxide.executions (
  instance_id varchar(8) NOT NULL,
  execution_id integer NOT NULL,
  status text NOT NULL,
  event_count bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  output text,
  PRIMARY KEY (instance_id, execution_id)
);
REVOKE ALL ON _duroxide.executions FROM PUBLIC;

-- Steps of instances in another database run as prepared transactions there (two-phase
-- commit); the checkpoint that accepted one records it here, so that a crash between the
-- checkpoint's commit and COMMIT PREPARED is resolved the right way.
CREATE TABLE _duroxide.prepared_steps (
  gid text PRIMARY KEY,
  database text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON _duroxide.prepared_steps FROM PUBLIC;
-- Install-time checks (REFERENCE.md §1, steps 4 and 5) and the worker wake-up.

DO $$
BEGIN
  IF current_database() <> df.target_database() THEN
    RAISE EXCEPTION 'pg_durable extension must be created in database "%" (currently in "%"). The background worker only processes functions in the database specified by the pg_durable.database GUC (defaults to "postgres").',
      df.target_database(), current_database()
      USING HINT = 'Connect to the correct database and run: CREATE EXTENSION pg_durable;';
  END IF;
END
$$;

DO $$
DECLARE
  role_name text := current_setting('pg_durable.worker_role');
  is_super boolean;
BEGIN
  SELECT rolsuper INTO is_super FROM pg_catalog.pg_roles WHERE rolname = role_name;
  IF NOT FOUND THEN
    RAISE WARNING 'pg_durable.worker_role "%" does not exist; the background worker cannot connect', role_name;
  ELSIF NOT is_super THEN
    RAISE WARNING 'pg_durable.worker_role "%" is not a superuser; the background worker needs superuser rights', role_name;
  END IF;
END
$$;

-- Wake the scheduler when CREATE EXTENSION commits, so it attaches without delay.
CREATE FUNCTION _duroxide.wake_worker_at_commit() RETURNS void
  AS 'MODULE_PATHNAME', 'df_wake_worker_at_commit' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION _duroxide.wake_worker_at_commit() FROM PUBLIC;
SELECT _duroxide.wake_worker_at_commit();
