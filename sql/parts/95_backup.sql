-- Backups (docs/operations.md, "Backup and restore"): pg_dump keeps every row of the tables
-- that hold user or engine state, so a restored cluster carries on where the dump was taken.
-- Runtime-only tables stay out: df._worker_epoch (heartbeat), _duroxide._worker_ready
-- (readiness, recreated by the worker) and _duroxide.prepared_steps (two-phase commits of
-- the dumped cluster's other databases, meaningless elsewhere).
SELECT pg_catalog.pg_extension_config_dump('df.workflows', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_runs', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_owners', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_grants', '');
SELECT pg_catalog.pg_extension_config_dump('df.instances', '');
SELECT pg_catalog.pg_extension_config_dump('df.nodes', '');
SELECT pg_catalog.pg_extension_config_dump('df.vars', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.instance_state', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.instance_graphs', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.executions', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.resumes', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.buffered_signals', '');
SELECT pg_catalog.pg_extension_config_dump('_duroxide.state_deltas', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_owners', '');
SELECT pg_catalog.pg_extension_config_dump('df.workflow_grants', '');
