-- pg_durable 0.2.6 -> 0.3.0: the schema changes of release 0.3.0, as an upgrade script.

-- area: workflow versions (code) — start a chosen version; diff two versions
DROP FUNCTION df.start_workflow(text, jsonb, text);
CREATE FUNCTION df.start_workflow(name text, params jsonb DEFAULT '{}', label text DEFAULT NULL,
                                  version integer DEFAULT NULL)
  RETURNS text AS 'MODULE_PATHNAME', 'df_start_workflow' LANGUAGE C VOLATILE;
CREATE FUNCTION df.workflow_diff(name text, v1 integer, v2 integer) RETURNS text
  AS 'MODULE_PATHNAME', 'df_workflow_diff' LANGUAGE C STRICT STABLE;
