-- The graph constructors and the seven DSL operators (docs/reference.md §3.1, §3.2). The
-- constructors are C functions over the compiler's builders (ext/surface/dsl_functions.cpp):
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

-- Failure handling (model/failure.hpp). Durations are "any": an interval, a number of
-- seconds or text such as '1 second' / '250 ms'.
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

-- Operator helpers. They exist only to back operators (docs/reference.md §4).
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
