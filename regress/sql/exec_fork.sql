-- exec_fork: df.fork (issue 13 item 5). A new instance of the same graph reuses the results
-- of the steps before the node it is forked from (they do not run again; later steps see
-- their results as in the original) and runs that node and what follows. The original is
-- untouched; the new instance records where it came from; only the submitter (or a
-- superuser) may fork, and the steps still run as the submitter. Every refusal below is
-- one of docs/error-handling.md "Fork".

CREATE TABLE fork_log (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON fork_log TO regress_exec;
-- df.fork's error, with ids masked (they are random); 'forked' when it succeeded.
CREATE FUNCTION try_fork(id text, node text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text;
BEGIN
  RETURN CASE WHEN df.fork(id, node) IS NULL THEN 'NULL' ELSE 'forked' END;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN 'ERROR: ' || regexp_replace(msg || ' / ' || coalesce(det, ''), '[0-9a-f]{8}', '<id>', 'g');
END $$;
GRANT EXECUTE ON FUNCTION try_fork(text, text) TO regress_exec;
-- The id of the instance's node whose query contains `part`.
CREATE FUNCTION node_of(inst text, part text) RETURNS text LANGUAGE sql AS $$
  SELECT n.id::text FROM df.nodes n WHERE n.instance_id = inst AND n.query LIKE '%' || part || '%'
$$;
GRANT EXECUTE ON FUNCTION node_of(text, text) TO regress_exec;

SET ROLE regress_exec;
-- mark the invoice, archive it into a table that does not exist yet, then log it as done
SELECT df.start(
  $$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'marked processing') RETURNING 42 AS invoice$$ |=> 'inv'
  ~> $$INSERT INTO fork_archive VALUES ('{sys_instance_id}', $inv.invoice)$$
  ~> $$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'done ' || $inv.invoice)$$,
  label => 'invoice 42') AS id \gset
SELECT await_end(:'id');
SELECT node_of(:'id', 'fork_archive') AS archive_node, node_of(:'id', 'marked processing') AS mark_node \gset
RESET ROLE;
CREATE TABLE fork_archive (instance text, invoice int);
GRANT ALL ON fork_archive TO regress_exec;
SET ROLE regress_exec;
-- fork from the archive step: the marking step is reused, not run again
SELECT df.fork(:'id', :'archive_node') AS f1 \gset
SELECT await_end(:'f1');
SELECT instance = :'id' AS original, step FROM fork_log ORDER BY at;
SELECT instance = :'f1' AS fork, invoice FROM fork_archive;
-- the reused node carries the original's result; the original is untouched
SELECT node_type, status, result::text FROM df.nodes
  WHERE instance_id = :'f1' AND query LIKE '%marked processing%';
-- its execution ids (status_details and the run records of df.step_runs) name the fork,
-- not the original
SELECT n.status_details->>'execution_id' LIKE :'f1' || '::1' AS fork_execution_id,
       bool_and(r.execution_id LIKE :'f1' || '::1') AS fork_run_record
  FROM df.nodes n JOIN df.step_runs r ON r.instance_id = n.instance_id AND r.node_id = n.id
  WHERE n.instance_id = :'f1' AND n.query LIKE '%marked processing%'
  GROUP BY n.status_details;
SELECT status FROM df.instances WHERE id = :'id';
SELECT node_type, status, count(*) FROM df.nodes WHERE instance_id = :'id' GROUP BY 1, 2 ORDER BY 1, 2;
-- where it came from, same label, same submitter
SELECT label, status, forked_from = :'id' AS from_original, forked_from_node = :'archive_node' AS from_node
  FROM df.instance_info(:'f1');
SELECT forked_from IS NULL AS original_not_forked FROM df.instance_info(:'id');
SELECT submitted_by, forked_from = :'id' AS from_original FROM df.instances WHERE id = :'f1';
-- a fork can be forked again, and from the root it reruns everything
SELECT df.fork(:'f1', (SELECT root_node FROM df.instances WHERE id = :'f1')) AS f2 \gset
SELECT await_end(:'f2');
SELECT step FROM fork_log WHERE instance = :'f2' ORDER BY at;

-- the refusals
SELECT try_fork('ffffffff', :'archive_node');      -- expect: not found or access denied
SELECT try_fork(:'id', 'ffffffff');                -- expect: not a node of the instance
SELECT df.start('SELECT * FROM fork_missing' ~> $$INSERT INTO fork_log VALUES ('x', 'never')$$) AS id_early \gset
SELECT await_end(:'id_early');
SELECT try_fork(:'id_early', node_of(:'id_early', 'never'));    -- expect: never ran
SELECT df.start(df.loop('SELECT 1 AS one', 'SELECT false') ~> 'SELECT 2') AS id_loop \gset
SELECT await_end(:'id_loop');
SELECT try_fork(:'id_loop', node_of(:'id_loop', 'one'));       -- expect: inside the LOOP node
SELECT df.start(df.join('SELECT 1 AS left_branch', 'SELECT 2') ~> df.race('SELECT 3 AS fast', df.sleep(30))) AS id_par \gset
SELECT await_end(:'id_par');
SELECT try_fork(:'id_par', node_of(:'id_par', 'left_branch'));  -- expect: inside the JOIN node
SELECT try_fork(:'id_par', node_of(:'id_par', 'fast'));         -- expect: inside the RACE node
SELECT df.start(df.catch('SELECT 1/0', 'SELECT 0 AS handled') ~> 'SELECT 5 AS after') AS id_catch \gset
SELECT await_end(:'id_catch');
SELECT try_fork(:'id_catch', node_of(:'id_catch', 'after'));    -- expect: a df.catch before it handled a failure
SELECT try_fork(:'id_catch', node_of(:'id_catch', 'handled'));  -- expect: inside the CATCH node
SELECT df.start(df.with_undo($$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'forward')$$,
                             $$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'undone')$$)
                ~> 'SELECT 1/0 AS boom') AS id_undo \gset
SELECT await_end(:'id_undo');
SELECT try_fork(:'id_undo', node_of(:'id_undo', 'boom'));       -- expect: the undo action ran
SELECT df.start(df.if('SELECT true', 'SELECT 1 AS then_arm', 'SELECT 2')
                ~> df.retry('SELECT 3 AS retried', 2) ~> 'SELECT 4') AS id_wrap \gset
SELECT await_end(:'id_wrap');
SELECT try_fork(:'id_wrap', node_of(:'id_wrap', 'then_arm'));   -- expect: inside the IF node
SELECT try_fork(:'id_wrap', node_of(:'id_wrap', 'retried'));    -- expect: inside the RETRY node
SELECT try_fork(:'id_wrap', (SELECT id FROM df.nodes WHERE instance_id = :'id_wrap' AND node_type = 'RETRY'));
-- loops whose iterations df.nodes cannot reproduce: two steps storing one name, a with_undo
SELECT df.start(df.loop(('SELECT 1 AS x' |=> 'x') ~> ('SELECT 2 AS x' |=> 'x'), 'SELECT false')
                ~> 'SELECT 5 AS after_dup') AS id_dup \gset
SELECT await_end(:'id_dup');
SELECT try_fork(:'id_dup', node_of(:'id_dup', 'after_dup'));    -- expect: store the result name 'x'
SELECT df.start(df.loop(df.with_undo('SELECT 1', 'SELECT 2'), 'SELECT false')
                ~> 'SELECT 5 AS after_undo_loop') AS id_ul \gset
SELECT await_end(:'id_ul');
SELECT try_fork(:'id_ul', node_of(:'id_ul', 'after_undo_loop'));  -- expect: a df.with_undo inside
-- nothing of the refused forks was created
SELECT count(*) AS forks FROM df.instances
  WHERE forked_from IN (:'id_early', :'id_loop', :'id_par', :'id_catch', :'id_undo', :'id_dup', :'id_ul')
     OR (forked_from = :'id_wrap' AND forked_from_node <> (SELECT id FROM df.nodes WHERE instance_id = :'id_wrap'
                                                               AND node_type = 'RETRY'));

-- "before" for composites: a JOIN and a loop before the node are reused as a whole; their
-- named results are visible after the fork as in the original
SELECT df.start(df.compile($$
  (('SELECT 1 AS a' |=> 'a') & ('SELECT 2 AS b' |=> 'b'))
  ~> df.loop('SELECT count(*) AS n FROM fork_log WHERE step = ''tick''' |=> 'n'
             ~> 'INSERT INTO fork_log VALUES (''{sys_instance_id}'', ''tick'')', 'SELECT false')
  ~> 'INSERT INTO fork_log VALUES (''{sys_instance_id}'', ''sum '' || ($a.a + $b.b + $n.n))'
$$)) AS id_comp \gset
SELECT await_end(:'id_comp');
SELECT df.fork(:'id_comp', node_of(:'id_comp', 'sum')) AS f3 \gset
SELECT await_end(:'f3');
SELECT instance = :'id_comp' AS original, step FROM fork_log WHERE instance IN (:'id_comp', :'f3') ORDER BY at;
-- a with_undo before the node whose undo has not run (the original waits for a signal): a
-- failure of the fork undoes the reused forward step, in the fork
SELECT df.start(df.with_undo($$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'saga forward')$$,
                             $$INSERT INTO fork_log VALUES ('{sys_instance_id}', 'saga undone')$$)
                ~> df.wait_for_signal('go') ~> 'SELECT * FROM fork_late') AS id_saga \gset
SELECT wait_until($$SELECT status = 'running' FROM df.nodes WHERE node_type = 'SIGNAL' AND instance_id = '$$ || :'id_saga' || $$'$$, 30);
SELECT df.fork(:'id_saga', (SELECT id FROM df.nodes WHERE instance_id = :'id_saga' AND node_type = 'SIGNAL')) AS f5 \gset
SELECT df.signal(:'f5', 'go');
SELECT await_end(:'f5');
SELECT df.cancel(:'id_saga') LIKE 'Instance % cancelled%' AS cancelled;
SELECT instance = :'f5' AS fork, step FROM fork_log WHERE instance IN (:'id_saga', :'f5') ORDER BY at;
RESET ROLE;

-- who may fork: another role does not see the instance, so it cannot fork it (nor read its
-- results through a fork); a superuser may, and the steps still run as the submitter
CREATE ROLE regress_fork_other LOGIN;
SELECT df.grant_usage('regress_fork_other');
SET ROLE regress_fork_other;
SELECT try_fork(:'id', :'archive_node');           -- expect: not found or access denied
SELECT count(*) AS sees_nodes FROM df.nodes WHERE instance_id IN (:'id', :'f1');
RESET ROLE;
SELECT df.fork(:'id', :'archive_node') AS f4 \gset
SELECT await_end(:'f4');
SELECT submitted_by FROM df.instances WHERE id = :'f4';
SELECT s.submitted_by FROM _duroxide.instance_state s WHERE s.instance_id = :'f4';
SELECT invoice FROM fork_archive WHERE instance = :'f4';
SELECT count(*) AS forks_by_other FROM df.instances WHERE submitted_by = 'regress_fork_other'::regrole;
