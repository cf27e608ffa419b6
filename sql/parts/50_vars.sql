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
