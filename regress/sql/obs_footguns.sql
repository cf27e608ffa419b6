-- obs_footguns: no silent no-ops. A signal nobody can receive raises, a signal to a
-- finished instance warns, cancelling a finished instance says so, awaiting an instance
-- whose start or signal is uncommitted in the caller's own transaction raises at once,
-- and a DML step reports the rows it changed (affected_rows).
-- Errors are shown whole (message, detail, hint) with instance ids masked; warnings and
-- notices tersely (their id is in the detail).
CREATE FUNCTION obs_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text; hin text; st text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT, st = RETURNED_SQLSTATE;
  RETURN regexp_replace(format(E'%s: %s\nDETAIL: %s\nHINT: %s', st, msg, det, hin), '[0-9a-f]{8}', '<id>', 'g');
END
$$;
GRANT EXECUTE ON FUNCTION obs_try(text) TO regress_exec;
SET ROLE regress_exec;
\set VERBOSITY terse

-- a signal name the graph never waits for: an error that names the names it waits for
SELECT df.start(df.wait_for_signal('approve') ~> 'SELECT 1 AS done') AS id \gset
SELECT obs_try(format('SELECT df.signal(%L, %L)', :'id', 'aprove'));
SELECT obs_try(format('SELECT df.signal(%L, %L)', :'id', 'Approve'));
SELECT df.start('SELECT 1') AS plain \gset
SELECT obs_try(format('SELECT df.signal(%L, %L)', :'plain', 'go'));
-- the right name is delivered
SELECT df.signal(:'id', 'approve', '{"by": "ann"}');
SELECT await_end(:'id');

-- a finished instance: the documented 'OK', plus a WARNING that nobody received it
SELECT df.signal(:'id', 'approve');

-- cancelling a finished instance keeps the documented text and adds a NOTICE
SELECT df.cancel(:'id', 'too late') = format('Instance %s cancelled: too late', :'id') AS same_text;
SELECT df.status(:'id');

-- awaiting an instance started in the same transaction raises at once, with a hint
BEGIN;
SELECT df.start('SELECT 1') AS id \gset
SELECT obs_try(format('SELECT df.await_instance(%L, 30)', :'id'));
ROLLBACK;
-- ... also from a subtransaction
BEGIN;
SELECT df.start('SELECT 1') AS id \gset
SAVEPOINT s;
SELECT obs_try(format('SELECT df.await_instance(%L, 30)', :'id'));
ROLLBACK;

-- a signal sent in the same transaction: the instance cannot see it before commit
SELECT df.start(df.wait_for_signal('go') ~> 'SELECT 2 AS after') AS id \gset
SELECT wait_until(format('df.status(%L) = ''running''', :'id'));
SELECT set_config('obs.id', :'id', false) IS NOT NULL AS set;
SELECT obs_try($q$DO $do$
BEGIN
  PERFORM df.signal(current_setting('obs.id'), 'go');
  PERFORM df.await_instance(current_setting('obs.id'), 30);
END
$do$$q$);
-- once committed, the same await succeeds
SELECT df.signal(:'id', 'go');
SELECT df.await_instance(:'id', 30);

-- DML steps: affected_rows counts changed rows, row_count keeps counting returned rows
SELECT df.start($$INSERT INTO exec_effects (instance, step) SELECT '{sys_instance_id}', 'n' || g FROM generate_series(1, 5) g$$
                ~> $$UPDATE exec_effects SET step = step || '!' WHERE instance = '{sys_instance_id}'$$
                ~> $$DELETE FROM exec_effects WHERE instance = '{sys_instance_id}' AND step <> 'n1!' RETURNING step$$
                ~> $$DELETE FROM exec_effects WHERE instance = '{sys_instance_id}'$$
                ~> 'SELECT 1 AS not_dml') AS id \gset
SELECT await_end(:'id');
SELECT node_type, result->'row_count' AS row_count, result->'affected_rows' AS affected_rows, query
FROM df.nodes WHERE instance_id = :'id' AND node_type = 'SQL' ORDER BY query;
