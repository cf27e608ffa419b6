-- Workflows as code (README "Workflows as code"): the textual language compiled in the
-- database (ext/compile_function.cpp). df.deploy stores versions in df.workflows;
-- df.start_workflow starts the latest one (or the version given) and records the version
-- in df.workflow_runs; df.workflow_diff says what changed between two versions.

CREATE FUNCTION df.compile(source text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_compile' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.deploy(name text, source text) RETURNS TABLE(workflow text, version integer)
  AS 'MODULE_PATHNAME', 'df_deploy' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.start_workflow(name text, params jsonb DEFAULT '{}', label text DEFAULT NULL,
                                  version integer DEFAULT NULL)
  RETURNS text AS 'MODULE_PATHNAME', 'df_start_workflow' LANGUAGE C VOLATILE;

CREATE FUNCTION df.workflow_diff(name text, v1 integer, v2 integer) RETURNS text
  AS 'MODULE_PATHNAME', 'df_workflow_diff' LANGUAGE C STRICT STABLE;

-- Which workflow version each visible instance runs.
CREATE FUNCTION df.workflow_instances(name text)
  RETURNS TABLE(instance_id text, version integer, status text, created_at timestamptz)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT r.instance_id::text, r.workflow_version, i.status, i.created_at
        FROM df.workflow_runs r JOIN df.instances i ON i.id = r.instance_id
        WHERE r.workflow_name = $1 ORDER BY i.created_at DESC, r.instance_id $$;
