-- exec_isolation: a step runs in a session of its submitter (identity, role and database
-- settings, SET ROLE as in the role's own session), cannot control its transaction, and
-- leaves nothing for the next step, its own role's included. Cross-role leaks with one
-- shared executor: regress/crash/t_exec_isolation.sh.
CREATE ROLE regress_iso_alice LOGIN;
CREATE ROLE regress_iso_bob LOGIN;
CREATE ROLE regress_iso_team NOLOGIN;
GRANT regress_iso_team TO regress_iso_alice;
SELECT df.grant_usage('regress_iso_alice');
SELECT df.grant_usage('regress_iso_bob');
-- How the instance ended, with its result, or the failed step's error when it failed.
CREATE FUNCTION iso_outcome(instance text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE ended text := await_end(instance);  -- first: the queries below need a later snapshot
BEGIN
  IF ended = 'completed' THEN RETURN ended || ': ' || coalesce(df.result(instance)::text, ''); END IF;
  RETURN ended || ': ' || coalesce((SELECT string_agg(result::text, '; ') FROM df.nodes
    WHERE instance_id = instance AND node_type = 'SQL' AND status = 'failed'), '');
END $$;

-- identity: session_user, current_user and is_superuser are the submitter's
SET ROLE regress_iso_alice;
SELECT df.start($$SELECT session_user::text AS su, current_user::text AS cu,
  current_setting('is_superuser') AS superuser$$) AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');

-- a policy on session_user shows a step what it shows the role in its own session
CREATE TABLE iso_owned (owner name, v int);
INSERT INTO iso_owned VALUES ('regress_iso_alice', 1), ('postgres', 2);
ALTER TABLE iso_owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON iso_owned USING (owner = session_user);
GRANT SELECT ON iso_owned TO regress_iso_alice;
SET ROLE regress_iso_alice;
SELECT df.start('SELECT string_agg(v::text, '','') AS visible FROM iso_owned') AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');

-- SET ROLE works to a role the submitter is a member of, RESET ROLE returns to it
CREATE FUNCTION iso_role_probe(target text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; b text;
BEGIN
  EXECUTE format('SET ROLE %I', target); a := current_user;
  RESET ROLE; b := current_user;
  RETURN a || ' then ' || b || ' (session ' || session_user || ')';
END $$;
SET ROLE regress_iso_alice;
SELECT df.start($$SELECT iso_role_probe('regress_iso_team') AS roles$$) AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');
-- ... not to one it is not a member of, nor to a superuser by session authorization
SET ROLE regress_iso_alice;
SELECT df.start($$SELECT iso_role_probe('regress_iso_bob') AS roles$$) AS id \gset
SELECT df.start($$SET SESSION AUTHORIZATION postgres$$) AS id2 \gset
SELECT df.start($$SELECT set_config('session_authorization', 'postgres', false)$$) AS id3 \gset
RESET ROLE;
SELECT iso_outcome(:'id');
SELECT iso_outcome(:'id2');
SELECT iso_outcome(:'id3');
-- a SET ROLE ends with its step
SET ROLE regress_iso_alice;
SELECT df.start('SET ROLE regress_iso_team' ~> 'SELECT current_user::text AS cu') AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');

-- role settings apply: statement_timeout bounds the role's steps
ALTER ROLE regress_iso_bob SET statement_timeout = '1s';
SET ROLE regress_iso_bob;
SELECT df.start($$SELECT current_setting('statement_timeout') AS timeout$$) AS id \gset
SELECT df.start('SELECT pg_sleep(30)') AS id2 \gset
RESET ROLE;
SELECT iso_outcome(:'id');
SELECT iso_outcome(:'id2');
ALTER ROLE regress_iso_bob RESET statement_timeout;

-- ... and so does default_transaction_read_only, for the step only (its checkpoint commits)
CREATE TABLE iso_writes (v int);
GRANT INSERT ON iso_writes TO regress_iso_bob;
ALTER ROLE regress_iso_bob SET default_transaction_read_only = on;
SET ROLE regress_iso_bob;
SELECT df.start('INSERT INTO iso_writes VALUES (1)') AS id \gset
SELECT df.start('SELECT current_setting(''transaction_read_only'') AS ro') AS id2 \gset
RESET ROLE;
SELECT iso_outcome(:'id');
SELECT iso_outcome(:'id2');
ALTER ROLE regress_iso_bob RESET default_transaction_read_only;

-- the role's search_path is the step's, never the engine's: an operator in the role's
-- schema that would make its caller a superuser is not used by the engine's statements
-- (a role that has no executor yet: its first session starts with the new setting)
CREATE ROLE regress_iso_carol LOGIN;
SELECT df.grant_usage('regress_iso_carol');
CREATE SCHEMA regress_evil AUTHORIZATION regress_iso_carol;
SET ROLE regress_iso_carol;
CREATE FUNCTION regress_evil.eq(varchar, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE 'ALTER ROLE regress_iso_carol SUPERUSER';
  END IF;
  RETURN $1::text OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR regress_evil.= (LEFTARG = varchar, RIGHTARG = text, FUNCTION = regress_evil.eq);
RESET ROLE;
ALTER ROLE regress_iso_carol SET search_path = regress_evil, pg_catalog, public;
SET ROLE regress_iso_carol;
SELECT df.start('SELECT current_setting(''search_path'') AS path') AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');
SELECT rolsuper AS carol_became_superuser FROM pg_roles WHERE rolname = 'regress_iso_carol';
ALTER ROLE regress_iso_carol RESET search_path;

-- transaction control cannot be a step: a clear error, nothing done
SET ROLE regress_iso_alice;
SELECT df.start('COMMIT') AS c1 \gset
SELECT df.start('ROLLBACK') AS c2 \gset
SELECT df.start('BEGIN') AS c3 \gset
SELECT df.start('SAVEPOINT s1') AS c4 \gset
SELECT df.start('PREPARE TRANSACTION ''x''') AS c5 \gset
SELECT df.start('VACUUM') AS c6 \gset
RESET ROLE;
SELECT iso_outcome(:'c1');
SELECT iso_outcome(:'c2');
SELECT iso_outcome(:'c3');
SELECT iso_outcome(:'c4');
SELECT iso_outcome(:'c5');
SELECT iso_outcome(:'c6');

-- a step leaves nothing for the next one, of its own role and instance included
CREATE SEQUENCE iso_seq;
GRANT USAGE ON SEQUENCE iso_seq TO regress_iso_alice;
SET ROLE regress_iso_alice;
SELECT df.start('CREATE TEMP TABLE iso_tmp (x int)' ~> 'SELECT count(*) AS n FROM pg_temp.iso_tmp') AS t1 \gset
SELECT df.start('PREPARE iso_p AS SELECT 1' ~> 'EXECUTE iso_p') AS t2 \gset
SELECT df.start('SELECT pg_advisory_lock(4242)'
  ~> 'SELECT count(*) AS held FROM pg_locks WHERE locktype = ''advisory'' AND objid = 4242') AS t3 \gset
SELECT df.start('SELECT nextval(''iso_seq'') > 0 AS ok' ~> 'SELECT currval(''iso_seq'')') AS t4 \gset
SELECT df.start('DECLARE iso_c CURSOR WITH HOLD FOR SELECT 1' ~> 'SELECT count(*) AS open FROM pg_cursors') AS t5 \gset
-- (LISTEN cannot be a step: PostgreSQL refuses it in background workers)
SELECT df.start('LISTEN iso_channel' ~> 'SELECT count(*) AS listening FROM pg_listening_channels()') AS t6 \gset
SELECT df.start('SET work_mem = ''7MB''' ~> 'SELECT current_setting(''work_mem'') AS work_mem') AS t7 \gset
RESET ROLE;
SELECT iso_outcome(:'t1');
SELECT iso_outcome(:'t2');
SELECT iso_outcome(:'t3');
SELECT iso_outcome(:'t4');
SELECT iso_outcome(:'t5');
SELECT iso_outcome(:'t6');
SELECT iso_outcome(:'t7');

-- session advisory locks end with their step: a step that takes both admission locks of
-- transaction_mode => 'new' leaves that mode usable for everyone
SET ROLE regress_iso_alice;
SELECT df.start('SELECT pg_advisory_lock(1346982470, 0) IS NULL AS a, pg_advisory_lock(1346982470, 1) IS NULL AS b') AS id \gset
RESET ROLE;
SELECT iso_outcome(:'id');
SET ROLE regress_iso_bob;
SELECT df.start('SELECT 1', transaction_mode => 'new') AS new_mode_id \gset
RESET ROLE;
-- awaited: a later test counts the server's step metrics
SELECT iso_outcome(:'new_mode_id');
