-- exec_control: transactional start, cancellation, and who steps run as.
SET ROLE regress_exec;

-- a rolled-back df.start leaves nothing, not even engine state
BEGIN;
SELECT df.start('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''rolled back'')') AS id \gset
ROLLBACK;
SELECT count(*) AS instances FROM df.instances WHERE id = :'id';
SELECT wait_until(format('instance_idle(%L)', :'id')) AS idle;
SELECT count(*) AS effects FROM exec_effects WHERE instance = :'id';

-- a committed one runs
BEGIN;
SELECT df.start('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''committed'')') AS id \gset
SELECT df.status(:'id');
COMMIT;
SELECT await_end(:'id');
SELECT count(*) AS effects FROM exec_effects WHERE instance = :'id';

-- steps run in a session of the submitter, and cannot SET ROLE to a role it is not a member of
SELECT df.start('SELECT current_user AS cu, session_user = current_user AS own_session') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start('SET ROLE postgres') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';
SELECT df.start('SELECT current_setting(''df.in_workflow'') AS in_workflow') AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- privileges apply: the role cannot read a table it was not granted
RESET ROLE;
CREATE TABLE exec_secret (v int);
SET ROLE regress_exec;
SELECT df.start('SELECT * FROM exec_secret') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';

-- cancel: a waiting instance stops, its wait never completes
SELECT df.start(df.wait_for_signal('never') ~> 'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''after'')') AS id \gset
SELECT wait_until(format('df.status(%L) = ''running''', :'id'));
SELECT df.cancel(:'id', 'no longer needed') = format('Instance %s cancelled: no longer needed', :'id') AS cancelled;
SELECT df.status(:'id');
SELECT df.signal(:'id', 'never', '{}');  -- a finished instance ignores signals
SELECT wait_until(format('instance_idle(%L)', :'id')) AS idle;
SELECT count(*) AS effects_after_cancel FROM exec_effects WHERE instance = :'id';

-- cancel interrupts a running statement and rolls its effects back
SELECT df.start('INSERT INTO exec_effects SELECT ''{sys_instance_id}'', ''long'' FROM pg_sleep(30)') AS id \gset
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND status = ''running'')', :'id'));
SELECT wait_until('executor_sleeping()') AS statement_running;
SELECT df.cancel(:'id') = format('Instance %s cancelled: Cancelled by user', :'id') AS cancelled;
RESET ROLE;
SELECT wait_until('NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = ''pg_durable executor'' AND wait_event = ''PgSleep'')', 10) AS statement_interrupted;
SELECT count(*) AS effects_of_cancelled_step FROM exec_effects WHERE instance = :'id';

-- superuser instances are refused by default
SELECT df.start('SELECT 1');  -- expect: superuser instances are disabled
