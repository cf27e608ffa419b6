-- control_start: df.start in caller mode (docs/reference.md §3.3) — its checks in order, the
-- persisted rows, transactional start — and df.signal / df.cancel / df.status /
-- df.result / df.await_instance / df.run. Instance ids are random: messages that carry
-- one go through show_error(), which masks it.
CREATE FUNCTION show_error(stmt text, mask text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN others THEN
  RETURN CASE WHEN mask IS NULL THEN SQLERRM ELSE replace(SQLERRM, mask, '<id>') END;
END $$;
GRANT EXECUTE ON FUNCTION show_error(text, text) TO PUBLIC;

CREATE ROLE regress_alice LOGIN;
CREATE ROLE regress_nologin NOLOGIN;
SELECT df.grant_usage('regress_alice');
SELECT df.grant_usage('regress_nologin');

-- the signature: one form (the REFERENCE four arguments, then the failure-handling options), not strict
SELECT pg_get_function_arguments('df.start'::regproc), proisstrict FROM pg_proc WHERE oid = 'df.start'::regproc;

-- step 3/4: identity checks
SELECT df.start('SELECT 1');  -- expect: pg_durable: superuser instances are disabled. ...
SELECT df.start('SELECT 1', transaction_mode => 'new');  -- expect: the same, from inside the loopback session
SET ROLE regress_nologin;
SELECT df.start('SELECT 1');  -- expect: current_user "regress_nologin" does not have LOGIN privilege. ...
RESET ROLE;

SET ROLE regress_alice;
SELECT df.start('SELECT 1', transaction_mode => 'sideways');  -- expect: invalid transaction_mode "sideways" ...
SET df.in_workflow = 'true';
SELECT df.start('SELECT 1', transaction_mode => 'NEW');       -- expect: ... cannot be called inside a workflow ...
RESET df.in_workflow;
-- step 1: strict parse
SELECT df.start('{"node_type":"NOT_A_NODE"}');   -- expect: Invalid durable function: Unknown node_type 'NOT_A_NODE'. ...
SELECT df.start('{"node_type":"IF","condition_node":"x","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"}}');  -- expect: Malformed Durofut JSON with node_type 'IF'
SELECT df.start('{"node_type":"JOIN","left_node":{"node_type":"SQL","query":"a"},"right_node":{"node_type":"SQL","query":"b"},"extra_nodes":["c"]}');  -- expect: extra_nodes entries must be Durofut JSON objects
-- step 2: database
SELECT df.start('SELECT 1', database => 'no_such_db');  -- expect: database "no_such_db" does not exist
-- step 5: graph validation
SELECT df.start('{"node_type":"SQL","query":"x","condition_node":{"node_type":"SQL","query":"y"}}');  -- expect: condition_node is not valid for SQL nodes
SELECT regexp_replace(show_error($$SELECT df.start(repeat('{"node_type":"LOOP","left_node":', 257) || '{"node_type":"SQL","query":"x"}' || repeat('}', 257))$$),
                      '(\.left)+', '.left...') AS too_deep;  -- expect: maximum nesting depth of 256
SELECT count(*) AS rows_after_rejections FROM df.instances;

-- a start rolled back with the caller leaves nothing
BEGIN;
SELECT df.start('SELECT 1' ~> 'SELECT 2', 'rolled back') AS rb_id \gset
SELECT :'rb_id' ~ '^[0-9a-f]{8}$' AS id_format, label, status, submitted_by, database
  FROM df.instances WHERE id = :'rb_id';
-- the persisted form: pre-order rows, children by id, submitter on every row
SELECT n.node_type, n.query, n.left_node IS NOT NULL AS has_left, n.right_node IS NOT NULL AS has_right,
       n.submitted_by, n.id = i.root_node AS is_root
  FROM df.nodes n JOIN df.instances i ON i.id = n.instance_id WHERE i.id = :'rb_id' ORDER BY n.node_type, n.query;
-- awaiting an instance of the still-open transaction cannot succeed
SELECT show_error(format('SELECT df.await_instance(%L, 1)', :'rb_id'), :'rb_id');
ROLLBACK;
SELECT count(*) AS rows_after_rollback FROM df.instances WHERE id = :'rb_id';

-- persisted config of IF / LOOP / JOIN (ids inside the query)
BEGIN;
SELECT df.start(df.join3('SELECT 1', df.if('SELECT true', 'SELECT 2', 'SELECT 3'), df.loop('SELECT 4', 'SELECT false')) |=> 'all') AS cfg_id \gset
SELECT node_type, result_name,
       regexp_replace(query, '[0-9a-f]{8}', '<id>', 'g') AS query
  FROM df.nodes WHERE instance_id = :'cfg_id' AND node_type IN ('IF', 'LOOP', 'JOIN') ORDER BY node_type;
ROLLBACK;

-- committed starts: status is always one of the df words
SELECT df.start(df.wait_for_signal('go'), 'waits') AS wait_id \gset
SELECT df.start(df.wait_for_signal('never'), 'to cancel') AS cancel_id \gset
SELECT df.status(:'wait_id') IN ('pending', 'running') AS waiting;
SELECT df.status('ffffffff') IS NULL AS unknown_status, df.result('ffffffff') IS NULL AS unknown_result;
SELECT df.result(:'wait_id') IS NULL AS no_result_yet;

-- df.signal
SELECT df.signal('', 'go');                -- expect: Instance ID cannot be empty
SELECT df.signal(:'wait_id', '');          -- expect: Signal name cannot be empty
SELECT df.signal('ffffffff', 'go');        -- expect: Instance not found or access denied: ffffffff
SELECT df.signal(:'wait_id', 'go', '{"n":1}') AS signalled;
SELECT df.signal(:'wait_id', 'go', NULL) IS NULL AS signal_strict;

-- df.cancel: status is cancelled at once
SELECT df.cancel('ffffffff');              -- expect: Instance not found or access denied: ffffffff
SELECT replace(df.cancel(:'cancel_id', 'no longer needed'), :'cancel_id', '<id>') AS cancelled;
SELECT df.status(:'cancel_id');
SELECT replace(df.cancel(:'cancel_id'), :'cancel_id', '<id>') AS cancel_again_is_harmless;
SELECT df.status(:'cancel_id');

-- df.await_instance / df.wait_for_completion
SELECT df.await_instance(:'cancel_id', 5);
SELECT df.await_instance(:'cancel_id', 0);   -- expect: Timeout must be positive
SELECT df.await_instance('ffffffff', 1);     -- expect: Instance not found: ffffffff
SET df.in_workflow = 'true';
SELECT df.await_instance(:'cancel_id');      -- expect: ... cannot be called inside a workflow ...
RESET df.in_workflow;
SELECT df.wait_for_completion(:'cancel_id', 5);  -- expect: WARNING deprecated, then cancelled
SELECT df.seq(df.await_instance(:'cancel_id', 5), 'SELECT 1');  -- expect: df.await_instance() cannot be used as a workflow step. ...

-- transaction_mode => 'new': a loopback session of the caller's role commits the launch,
-- so it survives the caller's rollback; the admission slot is released afterwards
BEGIN;
SELECT df.start(df.wait_for_signal('never'), 'new mode', transaction_mode => 'New') AS new_id \gset
ROLLBACK;
SELECT label, submitted_by FROM df.instances WHERE id = :'new_id';
SELECT count(*) AS slots_held FROM pg_locks WHERE locktype = 'advisory' AND classid = 1346982470;
SELECT replace(df.cancel(:'new_id'), :'new_id', '<id>');
-- errors inside the loopback session come back wrapped
SELECT df.start('{"node_type":"NOPE"}', transaction_mode => 'new');  -- expect: df.start() on new transaction failed: Invalid durable function: ...

-- df.run is a no-op
SELECT df.run(), df.run('abc');
RESET ROLE;
