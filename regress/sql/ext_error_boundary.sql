-- ext_error_boundary: the C++/PostgreSQL error boundary (ext/pg/pg_bridge.hpp).
-- The self-test functions are test-only (built with -Dselftest=true, not part of the
-- extension): the suite declares them itself.
CREATE FUNCTION selftest_throw(text) RETURNS text
  AS '$libdir/pg_durable', 'df_selftest_throw' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION selftest_pg_error(text) RETURNS text
  AS '$libdir/pg_durable', 'df_selftest_pg_error' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION selftest_pg_error_caught(text) RETURNS text
  AS '$libdir/pg_durable', 'df_selftest_pg_error_caught' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION selftest_destructor_runs() RETURNS integer
  AS '$libdir/pg_durable', 'df_selftest_destructor_runs' LANGUAGE C STRICT VOLATILE;
SELECT selftest_destructor_runs() AS runs_before \gset

-- a C++ exception becomes a clean ERROR, after the C++ destructors ran
SELECT selftest_throw('hello');  -- expect: ERROR boom: hello
SELECT selftest_destructor_runs() = :runs_before + 1 AS destructor_ran;
SELECT 1 AS backend_still_usable;

-- a PostgreSQL error raised under C++ frames keeps its SQLSTATE and unwinds them
\set VERBOSITY default
SELECT selftest_pg_error('SELECT 1/0');  -- expect: division by zero
SELECT selftest_destructor_runs() = :runs_before + 2 AS destructor_ran;

-- ... and leaves the transaction cleanly aborted
CREATE TABLE boundary_t (v int);
BEGIN;
INSERT INTO boundary_t VALUES (1);
SELECT selftest_pg_error('INSERT INTO boundary_t VALUES (1/0)');  -- expect: division by zero
SELECT 1;  -- expect: current transaction is aborted
ROLLBACK;
SELECT count(*) AS rows_after_rollback FROM boundary_t;

-- an error caught in C++ inside a subtransaction leaves the outer transaction usable
BEGIN;
INSERT INTO boundary_t VALUES (1);
SELECT selftest_pg_error_caught('INSERT INTO boundary_t VALUES (1/0)');
INSERT INTO boundary_t VALUES (2);
COMMIT;
SELECT v FROM boundary_t ORDER BY v;
DROP TABLE boundary_t;

-- no success path leaks: a query that works reports so
SELECT selftest_pg_error('SELECT 1');
