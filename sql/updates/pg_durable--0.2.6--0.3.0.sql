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

-- Backups: pg_dump keeps user and engine state (sql/parts/95_backup.sql); the engine's
-- submitting role is stored by name, so a restore into a cluster where the roles have
-- other OIDs still runs each step as its role.
ALTER TABLE _duroxide.instance_state ALTER COLUMN submitted_by TYPE regrole;
SELECT pg_catalog.pg_extension_config_dump('df.workflows', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_runs', '');
SELECT pg_catalog.pg_extension_config_dump('df.instances', '');
SELECT pg_catalog.pg_extension_config_dump('df.nodes', '');
SELECT pg_catalog.pg_extension_config_dump('df.vars', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.instance_state', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.executions', '');
-- Break the instances <-> nodes FK cycle, which a plain pg_restore cannot load.
ALTER TABLE df.instances DROP CONSTRAINT instances_root_node_same_instance_fkey;
