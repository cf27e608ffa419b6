-- Install-time checks (docs/reference.md §1, steps 4 and 5) and the worker wake-up.

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
