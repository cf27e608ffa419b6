-- pg_durable 0.2.6 -> 0.3.0 (ALTER EXTENSION pg_durable UPDATE): every schema change of release
-- 0.3.0, written as an upgrade of an installed 0.2.6. Make each change in sql/parts/ too and add
-- it here under a comment naming your area; regress/crash/t_upgrade_schema.sh fails when an
-- upgraded 0.2.6 and a fresh 0.3.0 differ.
\echo Use "ALTER EXTENSION pg_durable UPDATE" to load this file. \quit

-- --- area: production life (prod) ---
-- The error-boundary self tests are test-only: a production library does not define them, so
-- the extension no longer creates them (regress/sql/ext_error_boundary.sql creates its own).
DROP FUNCTION _duroxide.selftest_throw(text), _duroxide.selftest_pg_error(text),
  _duroxide.selftest_pg_error_caught(text), _duroxide.selftest_destructor_runs();

-- --- area: hostile input (einput): df.workflows ownership (issue 11 item 6) ---
-- A workflow name belongs to the role that first deployed it; its owner lets other roles
-- start it or deploy new versions of it (df.grant_workflow, sql/parts/75_workflows.sql).
CREATE TABLE df.workflow_owners (
  name text PRIMARY KEY,
  owner regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE df.workflow_grants (
  name text NOT NULL REFERENCES df.workflow_owners (name) ON DELETE CASCADE,
  grantee regrole NOT NULL,
  privilege text NOT NULL CHECK (privilege IN ('start', 'deploy')),
  PRIMARY KEY (name, grantee, privilege)
);
ALTER TABLE df.workflow_owners ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.workflow_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.workflows ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON df.workflow_owners, df.workflow_grants FROM PUBLIC;

-- Ownership (issue 11 item 6). The first df.deploy of a name makes the caller its owner;
-- the owner may grant 'start' (df.start_workflow) or 'deploy' (new versions, and start)
-- to other roles. Users insert only (name, source) into df.workflows: the trigger below
-- computes version, graph, params and created_by on the server, from the source.
-- VOLATILE: it must see the owner row the insert trigger has just written (RLS checks of
-- that same INSERT call it).
CREATE FUNCTION df.workflow_privilege(name text, privilege text) RETURNS boolean
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT CASE WHEN o.owner IS NULL THEN NULL
                    ELSE o.owner = quote_ident(current_user)::regrole
                      OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                      OR EXISTS (SELECT 1 FROM df.workflow_grants g
                                 WHERE g.name = o.name AND g.grantee = quote_ident(current_user)::regrole
                                   AND g.privilege IN ($2, 'deploy')) END
        FROM (SELECT $1 AS name) n LEFT JOIN df.workflow_owners o ON o.name = n.name $$;
COMMENT ON FUNCTION df.workflow_privilege(text, text) IS
  'true when the current role owns the workflow name or was granted the privilege (deploy implies start); NULL when nobody owns it';

CREATE FUNCTION df._compile_workflow(source text, name text) RETURNS text[]
  AS 'MODULE_PATHNAME', 'df_compile_workflow' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df._workflows_before_insert() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  compiled text[];
BEGIN
  -- pg_restore (a superuser) brings complete rows: keep them as dumped (docs/operations.md,
  -- "Backup and restore"). Users can insert only (name, source), so graph is NULL for them.
  IF NEW.graph IS NOT NULL AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('df.workflows:' || NEW.name));
  INSERT INTO df.workflow_owners (name) VALUES (NEW.name) ON CONFLICT (name) DO NOTHING;
  IF NOT df.workflow_privilege(NEW.name, 'deploy') THEN
    RAISE EXCEPTION 'permission denied to deploy workflow "%"', NEW.name
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = format('The name belongs to role %s.', (SELECT owner FROM df.workflow_owners WHERE name = NEW.name)),
            HINT = 'Its owner can allow you with df.grant_workflow(name, role, ''deploy''), or deploy under another name.';
  END IF;
  compiled := df._compile_workflow(NEW.source, NEW.name);
  NEW.graph := compiled[1];
  NEW.params := compiled[2]::jsonb;
  NEW.version := (SELECT coalesce(max(w.version), 0) + 1 FROM df.workflows w WHERE w.name = NEW.name);
  NEW.created_by := quote_ident(current_user)::regrole;
  NEW.created_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER workflows_server_side_fields BEFORE INSERT ON df.workflows
  FOR EACH ROW EXECUTE FUNCTION df._workflows_before_insert();

-- Readable by the owner and grantees; anyone with usage may claim a free name.
CREATE POLICY workflow_owners_read ON df.workflow_owners FOR SELECT USING (true);
CREATE POLICY workflow_owners_claim ON df.workflow_owners FOR INSERT
  WITH CHECK (owner = quote_ident(current_user)::regrole);
CREATE POLICY workflow_grants_visible ON df.workflow_grants FOR SELECT
  USING (grantee = quote_ident(current_user)::regrole
         OR EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                      AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflow_grants_by_owner ON df.workflow_grants FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                        AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflow_grants_revoke ON df.workflow_grants FOR DELETE
  USING (EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                   AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflows_visible ON df.workflows FOR SELECT
  USING (df.workflow_privilege(name, 'start'));
CREATE POLICY workflows_deploy ON df.workflows FOR INSERT
  WITH CHECK (created_by = quote_ident(current_user)::regrole);

-- df.grant_workflow(name, role, 'start' | 'deploy') / df.revoke_workflow: the owner only.
CREATE FUNCTION df.grant_workflow(name text, role text, privilege text) RETURNS void
  LANGUAGE plpgsql STRICT SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF privilege NOT IN ('start', 'deploy') THEN
    RAISE EXCEPTION 'unknown workflow privilege "%"', privilege USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use ''start'' or ''deploy''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = $1
                   AND o.owner = quote_ident(current_user)::regrole) THEN
    RAISE EXCEPTION 'permission denied to grant on workflow "%"', $1 USING ERRCODE = 'insufficient_privilege',
      DETAIL = 'Only the role that owns a workflow name can grant on it.';
  END IF;
  INSERT INTO df.workflow_grants (name, grantee, privilege)
    VALUES ($1, quote_ident(role)::regrole, privilege) ON CONFLICT DO NOTHING;
END
$$;
CREATE FUNCTION df.revoke_workflow(name text, role text, privilege text) RETURNS void
  LANGUAGE plpgsql STRICT SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = $1
                   AND o.owner = quote_ident(current_user)::regrole) THEN
    RAISE EXCEPTION 'permission denied to revoke on workflow "%"', $1 USING ERRCODE = 'insufficient_privilege',
      DETAIL = 'Only the role that owns a workflow name can revoke on it.';
  END IF;
  DELETE FROM df.workflow_grants g
    WHERE g.name = $1 AND g.grantee = quote_ident(role)::regrole AND g.privilege = $3;
END
$$;

-- Existing names belong to the role that created their first version.
INSERT INTO df.workflow_owners (name, owner, created_at)
  SELECT DISTINCT ON (name) name, created_by, created_at FROM df.workflows ORDER BY name, version;
-- Roles that could INSERT any column of df.workflows now insert (name, source) only.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = 'df' AND table_name = 'workflows' AND privilege_type = 'INSERT'
             AND grantee <> current_user LOOP
    EXECUTE format('REVOKE INSERT ON df.workflows FROM %I', r.grantee);
    EXECUTE format('GRANT INSERT (name, source) ON df.workflows TO %I', r.grantee);
    EXECUTE format('GRANT SELECT, INSERT ON df.workflow_owners TO %I', r.grantee);
    EXECUTE format('GRANT SELECT, INSERT, DELETE ON df.workflow_grants TO %I', r.grantee);
  END LOOP;
END
$$;

-- --- area: hostile input (einput): size caps (issue 11 item 8) ---
-- pg_durable.max_variable_bytes (issue 11 item 8): checked on every write to df.vars, so
-- neither df.setvar nor a direct INSERT/UPDATE stores a value that every later df.start
-- would copy into its instance.
CREATE FUNCTION df._vars_check_size() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  cap bigint := pg_size_bytes(current_setting('pg_durable.max_variable_bytes'));
BEGIN
  IF octet_length(NEW.value) > cap THEN
    RAISE EXCEPTION 'variable "%" is % bytes, more than pg_durable.max_variable_bytes (% bytes)',
      NEW.name, octet_length(NEW.value), cap
      USING ERRCODE = 'program_limit_exceeded',
            HINT = 'Keep large data in a table and store its key in the variable.';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER vars_size_cap BEFORE INSERT OR UPDATE OF value ON df.vars
  FOR EACH ROW EXECUTE FUNCTION df._vars_check_size();

-- --- area: production life (prod): backups ---
-- Backups: pg_dump keeps user and engine state (sql/parts/95_backup.sql); the engine's
-- submitting role is stored by name, so a restore into a cluster where the roles have
-- other OIDs still runs each step as its role.
ALTER TABLE _duroxide.instance_state ALTER COLUMN submitted_by TYPE regrole;
SELECT pg_catalog.pg_extension_config_dump('df.workflows', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_runs', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_owners', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_grants', '');
SELECT pg_catalog.pg_extension_config_dump('df.instances', '');
SELECT pg_catalog.pg_extension_config_dump('df.nodes', '');
SELECT pg_catalog.pg_extension_config_dump('df.vars', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.instance_state', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.executions', '');
-- Break the instances <-> nodes FK cycle, which a plain pg_restore cannot load.
ALTER TABLE df.instances DROP CONSTRAINT instances_root_node_same_instance_fkey;
-- ... and the node rows' foreign keys (issue 12: one locking read per node row at every
-- df.start's commit); the engine's own rules hold instead (sql/parts/20_tables.sql).
ALTER TABLE df.nodes DROP CONSTRAINT nodes_instance_identity_fkey,
  DROP CONSTRAINT nodes_left_node_same_instance_fkey,
  DROP CONSTRAINT nodes_right_node_same_instance_fkey;

-- --- area: workflow versions (code) ---
-- Start a chosen version; diff two versions.
DROP FUNCTION df.start_workflow(text, jsonb, text);
CREATE FUNCTION df.start_workflow(name text, params jsonb DEFAULT '{}', label text DEFAULT NULL,
                                  version integer DEFAULT NULL)
  RETURNS text AS 'MODULE_PATHNAME', 'df_start_workflow' LANGUAGE C VOLATILE;
CREATE FUNCTION df.workflow_diff(name text, v1 integer, v2 integer) RETURNS text
  AS 'MODULE_PATHNAME', 'df_workflow_diff' LANGUAGE C STRICT STABLE;
-- --- area: failure handling (fail, issue 13) ---
-- df.retry, df.catch, df.with_undo; df.start gains max_attempts, max_backoff,
-- on_failure; df.nodes accepts RETRY, CATCH and UNDO nodes
CREATE FUNCTION df.retry(step text, max_attempts integer DEFAULT 3, backoff "any" DEFAULT '1 second',
                         max_backoff "any" DEFAULT '1 minute') RETURNS text
  AS 'MODULE_PATHNAME', 'df_retry' LANGUAGE C STRICT VOLATILE;
-- When step fails for good, handler runs with the error as $<error_name> ({message,
-- sqlstate, node, node_type, attempts}); the workflow goes on after it.
CREATE FUNCTION df.catch(step text, handler text, error_name text DEFAULT 'error') RETURNS text
  AS 'MODULE_PATHNAME', 'df_catch' LANGUAGE C STRICT VOLATILE;
-- Compensation: once forward has completed, undo is remembered; when a later step of the
-- failing scope fails, the remembered undo actions run newest first, then the failure goes
-- on. No SQL operator: `forward <-> undo` exists only in the textual language (a text <->
-- would clash with pg_trgm's distance operator).
CREATE FUNCTION df.with_undo(forward text, undo text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_with_undo' LANGUAGE C STRICT VOLATILE;
DROP FUNCTION df.start(text, text, text, text);
CREATE FUNCTION df.start(fut text, label text DEFAULT NULL, database text DEFAULT NULL,
                         transaction_mode text DEFAULT 'caller', max_attempts integer DEFAULT 1,
                         max_backoff "any" DEFAULT '16 seconds', on_failure text DEFAULT 'fail')
  RETURNS text
  AS 'MODULE_PATHNAME', 'df_start' LANGUAGE C VOLATILE;
-- df.resume: a failed instance runs on from the steps that failed; its history table
CREATE FUNCTION df.resume(instance_id text)
  RETURNS text AS 'MODULE_PATHNAME', 'df_resume' LANGUAGE C STRICT VOLATILE;
-- df.resume history: one row per resume of an instance (who, after which error). Removed
-- with the instance by retention.
CREATE TABLE _duroxide.resumes (
  instance_id varchar(8) NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  resumed_at timestamptz NOT NULL DEFAULT now(),
  resumed_by regrole NOT NULL,
  previous_error text,
  PRIMARY KEY (instance_id, seq)
);
REVOKE ALL ON _duroxide.resumes FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('_duroxide.resumes', '');
-- --- area: hostile input (einput): buffered signals as rows (issue 11 item 7) ---
-- Signals sent while no thread of the instance waits for their name (issue 11 item 7):
-- one row each, so that a signal costs one insert whatever the backlog, not a rewrite of
-- the whole VM state; consumed oldest first (seq) when a df.wait_for_signal of that name is
-- reached (ext/engine/engine_core.cpp). At most pg_durable.max_buffered_signals per instance;
-- instance_state.buffered_signals counts them so the cap costs no scan.
CREATE TABLE _duroxide.buffered_signals (
  instance_id varchar(8) NOT NULL REFERENCES _duroxide.instance_state (instance_id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance_id, seq)
);
CREATE INDEX buffered_signals_by_name ON _duroxide.buffered_signals (instance_id, name, seq);
ALTER TABLE _duroxide.instance_state ADD COLUMN buffered_signals integer NOT NULL DEFAULT 0;
REVOKE ALL ON _duroxide.buffered_signals FROM PUBLIC;
-- Dumped with the rest of the state (sql/parts/95_backup.sql).
SELECT pg_catalog.pg_extension_config_dump('_duroxide.buffered_signals', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_owners', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_grants', '');
-- --- area: executor (exec): executors bound to one role (issue 10) ---
-- Runnable tasks are queued per role: an executor, a session of one role, claims its role's
-- oldest task. By name (regrole), like instance_state.submitted_by, so dumps restore.
ALTER TABLE _duroxide.tasks ADD COLUMN submitted_by regrole;
UPDATE _duroxide.tasks t SET submitted_by = s.submitted_by
  FROM _duroxide.instance_state s WHERE s.instance_id = t.instance_id;
DELETE FROM _duroxide.tasks WHERE submitted_by IS NULL;  -- orphans: no instance to run for
ALTER TABLE _duroxide.tasks ALTER COLUMN submitted_by SET NOT NULL;
DROP INDEX _duroxide.tasks_runnable;
CREATE INDEX tasks_runnable_by_role ON _duroxide.tasks (submitted_by, created_at) WHERE kind <> 'timer';
-- --- area: observability (obs, issue 15) ---
-- Clock times: created_at / updated_at are when the row was written, not when its
-- transaction began; nodes keep when they really started and finished, and their step
-- attempts (df.step_runs); df.nodes.error holds the error record.
ALTER TABLE df.instances ALTER COLUMN created_at SET DEFAULT clock_timestamp(),
  ALTER COLUMN updated_at SET DEFAULT clock_timestamp();
ALTER TABLE df.nodes ALTER COLUMN created_at SET DEFAULT clock_timestamp(),
  ALTER COLUMN updated_at SET DEFAULT clock_timestamp();
ALTER TABLE df.nodes ADD COLUMN started_at timestamptz, ADD COLUMN finished_at timestamptz, ADD COLUMN runs jsonb;
-- Workflow name and version of instances started by df.start_workflow.
CREATE OR REPLACE FUNCTION df.list_instances(status_filter text DEFAULT NULL, limit_count integer DEFAULT 100)
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

CREATE OR REPLACE FUNCTION df.list_instances(status_filter text, limit_count integer, label_filter text,
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

CREATE OR REPLACE FUNCTION df.instance_info(instance_id text)
  RETURNS TABLE(instance_id text, label text, function_name text, function_version text,
                current_execution_id bigint, status text, output text)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT i.id::text, i.label, coalesce(w.workflow_name, 'pg_durable::orchestration::execute-function-graph'::text),
           coalesce(w.workflow_version::text, '1.0.0'::text), e.generation, i.status, e.output
    FROM df.instances i
    JOIN _duroxide.instance_summaries(ARRAY[$1]) e ON e.instance_id = i.id
    LEFT JOIN df.workflow_runs w ON w.instance_id = i.id
    WHERE i.id = $1
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

-- Monitoring of the whole engine (every user's instances in aggregate): df.openmetrics()
-- and df.metrics(), for a scraper's role. SECURITY INVOKER: the grantor rules apply.
CREATE FUNCTION df.grant_monitor(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA df TO %I', p_role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION df.openmetrics() TO %I', p_role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION df.metrics() TO %I', p_role);
  RAISE NOTICE 'pg_durable: granted df monitoring to "%"', p_role;
END
$$;

CREATE FUNCTION df.revoke_monitor(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  EXECUTE format('REVOKE EXECUTE ON FUNCTION df.openmetrics() FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE EXECUTE ON FUNCTION df.metrics() FROM %I CASCADE', p_role);
  RAISE NOTICE 'pg_durable: revoked df monitoring from "%"', p_role;
END
$$;

REVOKE EXECUTE ON FUNCTION df.openmetrics() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.grant_monitor(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.revoke_monitor(text) FROM PUBLIC;
-- df.grant_usage / df.revoke_usage hand out df.step_runs too.
CREATE OR REPLACE FUNCTION df.grant_usage(p_role text, include_http boolean DEFAULT false,
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
  EXECUTE format('GRANT SELECT ON df.step_runs TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, label, root_node, submitted_by, database) ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON df.vars TO %I', p_role) || grant_option;
  -- Workflows as code: read and deploy workflows, record which version an instance runs.
  -- Only (name, source): version, graph and created_by are computed by the server.
  EXECUTE format('GRANT SELECT, INSERT (name, source) ON df.workflows TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT ON df.workflow_owners TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT, DELETE ON df.workflow_grants TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT ON df.workflow_runs TO %I', p_role) || grant_option;
  RAISE NOTICE 'pg_durable: granted df usage privileges to "%"', p_role;
END
$$;

CREATE OR REPLACE FUNCTION df.revoke_usage(p_role text) RETURNS void
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
  EXECUTE format('REVOKE SELECT ON df.nodes, df.step_runs FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, label, root_node, submitted_by, database) ON df.instances FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON df.vars FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT ON df.workflows, df.workflow_runs FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (name, source) ON df.workflows FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, DELETE ON df.workflow_owners, df.workflow_grants FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE USAGE ON SCHEMA df FROM %I CASCADE', p_role);
  RAISE NOTICE 'pg_durable: revoked df usage privileges granted by "%" from "%"', current_user, p_role;
END
$$;
-- --- area: engine (perf): a step no longer writes _duroxide.executions (issue 12) ---
-- The running execution's event_count is derived from the instance's event count and the
-- count when it began; written once when the execution ends.
ALTER TABLE _duroxide.executions ADD COLUMN started_at_event bigint NOT NULL DEFAULT 0;
UPDATE _duroxide.executions x SET started_at_event = s.event_count - x.event_count
  FROM _duroxide.instance_state s WHERE s.instance_id = x.instance_id AND x.status = 'Running';
-- --- area: failure handling (timeout, issue 13 item 4) ---
-- df.timeout; df.nodes accepts TIMEOUT nodes
-- The SQL step's statement is cancelled (SQLSTATE 57014) after `seconds`: a failure of the
-- attempt, so df.retry retries it and df.catch handles it. Only a SQL step can be wrapped.
CREATE FUNCTION df.timeout(step text, seconds "any") RETURNS text
  AS 'MODULE_PATHNAME', 'df_timeout' LANGUAGE C STRICT VOLATILE;
ALTER TABLE df.nodes DROP CONSTRAINT nodes_node_type_chk,
  ADD CONSTRAINT nodes_node_type_chk
    CHECK (node_type IN ('SQL', 'THEN', 'IF', 'JOIN', 'LOOP', 'BREAK', 'RACE', 'SLEEP',
                         'WAIT_SCHEDULE', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL',
                         'RETRY', 'CATCH', 'UNDO', 'TIMEOUT')) NOT VALID;
ALTER TABLE df.nodes DROP CONSTRAINT nodes_structure_chk,
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
      WHEN node_type IN ('RACE', 'UNDO')
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type IN ('RETRY', 'TIMEOUT')
        THEN left_node IS NOT NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'CATCH'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      ELSE false
    END) NOT VALID;

-- df.fork (issue 13 item 5): a new instance of the same graph that reuses the results of the
-- steps before a node; df.instances records where a forked instance came from, and
-- df.instance_info shows it (a new result type: dropped and created again).
ALTER TABLE df.instances ADD COLUMN forked_from varchar(8), ADD COLUMN forked_from_node varchar(8);
-- df.fork: a new instance of the same graph that reuses the results of the steps before
-- from_node and runs from_node and what follows; returns the new instance id.
CREATE FUNCTION df.fork(instance_id text, from_node text)
  RETURNS text AS 'MODULE_PATHNAME', 'df_fork' LANGUAGE C STRICT VOLATILE;
DROP FUNCTION df.instance_info(text);
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

-- on_failure => 'pause' (issue 13 item 2): an unhandled failure leaves the instance 'paused'
-- (not terminal) for df.resume, with no undo action run.
ALTER TABLE df.instances DROP CONSTRAINT instances_status_chk,
  ADD CONSTRAINT instances_status_chk
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'paused')) NOT VALID;
-- df.start's on_failure (docs/error-handling.md "What a failure does to the instance"):
-- 'fail' or 'pause'; read with the instance's state by every event (StepConfig).
ALTER TABLE _duroxide.instance_state ADD COLUMN on_failure text NOT NULL DEFAULT 'fail'
  CHECK (on_failure IN ('fail', 'pause'));

-- The step path's updates stay HOT (issue 12): a df.nodes stamp and an instance_state
-- checkpoint write a new version of their row; half of each page is left free for them, so
-- it lands on the row's own page (no index insert, no relocation, a small WAL record).
ALTER TABLE df.nodes SET (fillfactor = 50);
ALTER TABLE _duroxide.instance_state SET (fillfactor = 50);

-- Each instance's frozen graph (wire JSON) and its df.nodes ids in pre-order (issue 12):
-- written once, by df.start's statement that also writes the instance's first checkpoint,
-- and read once per process into the graph cache (ext/engine/engine_core.cpp). Not in
-- instance_state, whose row every step rewrites: that row stays a few hundred bytes, so
-- its new version fits on its page (HOT) and pruning it is cheap; with the graph in it
-- (1.7 KB for ten steps) a fifth of the checkpoints moved the whole row to another page.
-- Deleted with the instance's state by retention.
CREATE TABLE _duroxide.instance_graphs (
  instance_id varchar(8) PRIMARY KEY,
  graph text NOT NULL,
  node_ids text[] NOT NULL
);
REVOKE ALL ON _duroxide.instance_graphs FROM PUBLIC;
INSERT INTO _duroxide.instance_graphs (instance_id, graph, node_ids)
  SELECT instance_id, graph, node_ids FROM _duroxide.instance_state;
ALTER TABLE _duroxide.instance_state DROP COLUMN graph, DROP COLUMN node_ids;
SELECT pg_catalog.pg_extension_config_dump('_duroxide.instance_graphs', '');

-- No index on df.nodes (instance_id) alone: the primary key (instance_id, id) serves every
-- lookup by instance; the second index cost an insert per node row at df.start and per
-- stamp that leaves its page (issue 12).
DROP INDEX df.idx_nodes_instance;

-- The claim reads the head of its role's queue from the index (issue 12): task_id in the
-- key serves ORDER BY created_at, task_id LIMIT 1 without sorting the whole queue.
DROP INDEX _duroxide.tasks_runnable_by_role;
CREATE INDEX tasks_runnable_by_role ON _duroxide.tasks (submitted_by, created_at, task_id) WHERE kind <> 'timer';

-- A large state (a wide JOIN's: one thread and one task per branch) is not rewritten per
-- event (docs/design.md "How a state is stored"): `state` then holds a base, and each event
-- since appends the delta of what it changed (vm/state_delta.hpp), keyed by the event count
-- it made, in the transaction of that event. delta_bytes: NULL = `state` is the whole state
-- (a small one, the usual case); otherwise the total size of the deltas after the base (the
-- engine rewrites the base and deletes them when they outgrow half of it).
ALTER TABLE _duroxide.instance_state ADD COLUMN delta_bytes bigint;
CREATE TABLE _duroxide.state_deltas (
  instance_id varchar(8) NOT NULL REFERENCES _duroxide.instance_state (instance_id) ON DELETE CASCADE,
  event_count bigint NOT NULL,
  delta bytea NOT NULL,
  PRIMARY KEY (instance_id, event_count)
);
REVOKE ALL ON _duroxide.state_deltas FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('_duroxide.state_deltas', '');
