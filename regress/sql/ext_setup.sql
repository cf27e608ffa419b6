-- ext_setup: helpers every later test uses. Tests wait through wait_until (with a
-- timeout), never a bare pg_sleep.
CREATE FUNCTION wait_until(cond text, timeout_s float8 DEFAULT 30) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE ok bool; deadline timestamptz := clock_timestamp() + make_interval(secs => timeout_s);
BEGIN
  LOOP
    EXECUTE 'SELECT (' || cond || ')' INTO ok;
    IF ok THEN RETURN true; END IF;
    IF clock_timestamp() > deadline THEN RETURN false; END IF;
    PERFORM pg_sleep(0.02);
    PERFORM pg_stat_clear_snapshot();  -- pg_stat_activity is frozen within a call otherwise
  END LOOP;
END $$;

-- The readiness contract of docs/reference.md §1, as harnesses poll it.
CREATE FUNCTION worker_ready() RETURNS bool LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  -- a catalog query, not to_regclass(): it takes a fresh snapshot on every call
  IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = df.duroxide_schema() AND c.relname = '_worker_ready') THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT count(*) FROM %I._worker_ready WHERE schema_version >= 1', df.duroxide_schema()) INTO n;
  RETURN n = 1;
END $$;

CREATE FUNCTION scheduler_pid() RETURNS int LANGUAGE sql AS $$
  SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler'
$$;

SELECT wait_until('worker_ready()') AS worker_ready;
