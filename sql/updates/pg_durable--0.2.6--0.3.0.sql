-- pg_durable 0.2.6 -> 0.3.0 (ALTER EXTENSION pg_durable UPDATE): every schema change of release
-- 0.3.0, written as an upgrade of an installed 0.2.6. Make each change in sql/parts/ too and add
-- it here under a comment naming your area; regress/crash/t_upgrade_schema.sh fails when an
-- upgraded 0.2.6 and a fresh 0.3.0 differ.
\echo Use "ALTER EXTENSION pg_durable UPDATE" to load this file. \quit

-- --- area: production life (prod) ---
-- The error-boundary self tests are test-only: a production library does not define them, so
-- the extension no longer creates them (regress/sql/ext_error_boundary.sql creates its own).
DROP FUNCTION _duroxide.selftest_throw(text), _duroxide.selftest_pg_error(text),
  _duroxide.selftest_pg_error_caught(text), _duroxide.selftest_destructor_runs();
