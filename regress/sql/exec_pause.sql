-- exec_pause: df.start(..., on_failure => 'pause') (issue 13 item 2). An unhandled failure
-- runs no undo action and leaves the instance 'paused' (not terminal: df.await_instance
-- returns on it, retention keeps it) until df.resume runs it on from the failed step or
-- df.cancel ends it; signals sent meanwhile wait for it. The default 'fail' undoes and fails.

CREATE TABLE pause_accounts (name text PRIMARY KEY, balance int);
INSERT INTO pause_accounts VALUES ('alice', 100), ('bob', 0);
CREATE TABLE pause_log (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON pause_accounts, pause_log TO regress_exec;
\set VERBOSITY terse

SET ROLE regress_exec;
SELECT df.start('SELECT 1', on_failure => 'later');          -- expect: 'fail' or 'pause'
SELECT df.start('SELECT 1', on_failure => 'PAUSE') IS NOT NULL AS case_insensitive;
-- a transfer whose fee step fails on a missing table: paused, nothing undone
SELECT df.start(
  df.with_undo($$UPDATE pause_accounts SET balance = balance - 30 WHERE name = 'alice'$$,
               $$INSERT INTO pause_log VALUES ('{sys_instance_id}', 'undo alice')$$)
  ~> df.with_undo($$UPDATE pause_accounts SET balance = balance + 30 WHERE name = 'bob'$$,
                  $$INSERT INTO pause_log VALUES ('{sys_instance_id}', 'undo bob')$$)
  ~> $$INSERT INTO pause_fees VALUES ('{sys_instance_id}', 1)$$,
  on_failure => 'pause') AS id \gset
SELECT await_end(:'id');                                      -- paused: await returns on it
SELECT df.status(:'id');
SELECT name, balance FROM pause_accounts ORDER BY name;       -- the transfer stands
SELECT count(*) AS undo_actions_run FROM pause_log WHERE instance = :'id';
SELECT node_type, status, count(*) FROM df.nodes WHERE instance_id = :'id' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS listed_as_paused FROM df.list_instances('paused') WHERE instance_id = :'id';
RESET ROLE;
SELECT output FROM _duroxide.instance_state WHERE instance_id = :'id';
CREATE TABLE pause_fees (instance text, fee int);
GRANT ALL ON pause_fees TO regress_exec;
SET ROLE regress_exec;
-- the cause fixed, df.resume runs the fee step; the transfer steps do not run again
SELECT replace(df.resume(:'id'), :'id', '<id>');
SELECT await_end(:'id');
SELECT name, balance FROM pause_accounts ORDER BY name;
SELECT fee FROM pause_fees WHERE instance = :'id';
SELECT count(*) AS undo_actions_run FROM pause_log WHERE instance = :'id';

-- the default 'fail': the same failure undoes the transfer, then fails the instance
UPDATE pause_accounts SET balance = CASE name WHEN 'alice' THEN 100 ELSE 0 END;
SELECT df.start(
  df.with_undo($$UPDATE pause_accounts SET balance = balance - 30 WHERE name = 'alice'$$,
               $$UPDATE pause_accounts SET balance = balance + 30 WHERE name = 'alice'$$)
  ~> $$INSERT INTO pause_fees_missing VALUES (1)$$) AS id_fail \gset
SELECT await_end(:'id_fail');
SELECT name, balance FROM pause_accounts ORDER BY name;

-- a signal sent while paused waits for the resume; the wait after the failed step takes it
SELECT df.start('SELECT * FROM pause_late'
                ~> (df.wait_for_signal('go') |=> 'go')
                ~> $$INSERT INTO pause_log VALUES ('{sys_instance_id}', 'got ' || $go.signal_name)$$ |=> 'done',
                on_failure => 'pause') AS id_sig \gset
SELECT await_end(:'id_sig');
RESET ROLE;
SELECT count(*) AS no_executor_work FROM _duroxide.tasks WHERE instance_id = :'id_sig';
SET ROLE regress_exec;
SELECT df.signal(:'id_sig', 'go', '{"n": 7}');
SELECT df.status(:'id_sig');
RESET ROLE;
CREATE TABLE pause_late (x int);
GRANT SELECT ON pause_late TO regress_exec;
SET ROLE regress_exec;
SELECT replace(df.resume(:'id_sig'), :'id_sig', '<id>');
SELECT await_end(:'id_sig');
SELECT step FROM pause_log WHERE instance = :'id_sig';

-- a paused instance can be cancelled (then it is terminal and cannot be resumed); a fork of
-- it keeps on_failure 'pause'
SELECT df.start($$INSERT INTO pause_log VALUES ('{sys_instance_id}', 'first')$$ ~> 'SELECT * FROM pause_never',
                on_failure => 'pause') AS id_c \gset
SELECT await_end(:'id_c');
SELECT df.fork(:'id_c', (SELECT id FROM df.nodes WHERE instance_id = :'id_c' AND query LIKE '%pause_never%')) AS id_cf \gset
SELECT await_end(:'id_cf');
SELECT df.cancel(:'id_c') LIKE 'Instance % cancelled: Cancelled by user' AS cancelled;
SELECT df.status(:'id_c');
SELECT df.resume(:'id_c');                  -- expect: only a failed or paused instance
SELECT df.cancel(:'id_cf') LIKE 'Instance % cancelled: Cancelled by user' AS cancelled;
RESET ROLE;
SELECT status, output FROM _duroxide.executions WHERE instance_id = :'id_c';
SELECT finished, output FROM _duroxide.instance_state WHERE instance_id = :'id_c';
