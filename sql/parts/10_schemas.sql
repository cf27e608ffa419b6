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
