-- exec_check_cache: the engine processes keep the CHECK constraints of the engine's tables
-- parsed (ext/pg/check_cache.hpp) - and still enforce exactly what the catalog says: a
-- constraint added while they run binds their next write, and a constraint calling a
-- user function runs that function's current definition.
CREATE SEQUENCE checks_v1;
CREATE SEQUENCE checks_v2;
GRANT USAGE ON SEQUENCE checks_v1, checks_v2 TO regress_exec;
-- an inlinable SQL function: planned into the constraint if it were kept planned
CREATE FUNCTION regress_node_checked(status text) RETURNS boolean LANGUAGE sql VOLATILE
  AS $$ SELECT nextval('public.checks_v1') > 0 OR $1 IS NULL $$;
ALTER TABLE df.nodes ADD CONSTRAINT regress_checked_chk CHECK (regress_node_checked(status)) NOT VALID;
SET ROLE regress_exec;
SELECT df.start('SELECT 1 AS one') AS a \gset
SELECT await_end(:'a');
RESET ROLE;
-- df.start's node row, its running stamp (both in this session) and the executor's
-- completed stamp
SELECT last_value AS v1_checks FROM checks_v1;
CREATE OR REPLACE FUNCTION regress_node_checked(status text) RETURNS boolean LANGUAGE sql VOLATILE
  AS $$ SELECT nextval('public.checks_v2') > 0 OR $1 IS NULL $$;
SET ROLE regress_exec;
SELECT df.start('SELECT 2 AS two') AS b \gset
SELECT await_end(:'b');
RESET ROLE;
-- the new definition only, in the session and in the executor
SELECT last_value AS v1_checks FROM checks_v1;
SELECT last_value AS v2_checks FROM checks_v2;
-- a constraint the executor's stamp breaks: the step's outcome is not written
ALTER TABLE df.nodes DROP CONSTRAINT regress_checked_chk;
ALTER TABLE df.nodes ADD CONSTRAINT regress_no_two_chk CHECK (result IS NULL OR result::text NOT LIKE '%"two": 3%') NOT VALID;
SET ROLE regress_exec;
SELECT df.start('SELECT 3 AS two') AS c \gset
SELECT pg_sleep(1);
SELECT df.status(:'c');
RESET ROLE;
SELECT status, result FROM df.nodes WHERE instance_id = :'c';
ALTER TABLE df.nodes DROP CONSTRAINT regress_no_two_chk;
SET ROLE regress_exec;
SELECT await_end(:'c');
RESET ROLE;
SELECT status, result FROM df.nodes WHERE instance_id = :'c';
DROP FUNCTION regress_node_checked(text);
DROP SEQUENCE checks_v1, checks_v2;
