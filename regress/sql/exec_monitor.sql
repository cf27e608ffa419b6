-- exec_monitor: monitoring of executed instances — executions per root-loop generation,
-- list_instances / instance_info engine columns, instance_nodes inferred status, live
-- explain (docs/reference.md §3.5, §12, §13).
SET ROLE regress_exec;

-- a root loop: each iteration is a new execution (generation)
SELECT df.start(df.loop('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''gen'')'
                ~> df.if('SELECT count(*) >= 3 FROM exec_effects WHERE instance = ''{sys_instance_id}''', df.break('{"done": true}'), 'SELECT 1')),
                'monitored') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT execution_id, status, event_count > 0 AS has_events, duration_ms >= 0 AS timed, output
  FROM df.instance_executions(:'id', 10);
SELECT execution_id FROM df.instance_executions(:'id', 1);
-- the executions' event counts add up to the instance's (each written when its execution ends)
RESET ROLE;
SELECT (SELECT sum(event_count) FROM df.instance_executions(:'id', 10)) = s.event_count AS counts_add_up
  FROM _duroxide.instance_state s WHERE s.instance_id = :'id';
SET ROLE regress_exec;
SELECT label, function_name IS NOT NULL AS has_function, status, execution_count, output
  FROM df.list_instances('completed', 10) WHERE instance_id = :'id';
SELECT label, status, current_execution_id, output FROM df.instance_info(:'id');

-- inferred status: the untaken arm of an if is skipped
SELECT df.start(df.if('SELECT false', 'SELECT ''then''', 'SELECT ''else''')) AS id2 \gset
SELECT await_end(:'id2');
SELECT node_type, status, inferred_status, regexp_replace(query, '[0-9a-f]{8}', '<id>') AS query FROM df.instance_nodes(:'id2') ORDER BY node_type, query;

-- live explain shows the tree with per-node markers
SELECT regexp_replace(df.explain(:'id2'), 'Instance: [0-9a-f]{8}', 'Instance: <id>') AS explain;

-- a cancelled instance: its open execution ends Canceled
SELECT df.start(df.wait_for_signal('never')) AS id3 \gset
SELECT wait_until(format('df.status(%L) = ''running''', :'id3'));
-- the running execution's event count is derived from the instance's: the Start event
SELECT execution_id, status, event_count FROM df.instance_executions(:'id3');
SELECT df.cancel(:'id3') IS NOT NULL AS cancelled;
SELECT execution_id, status, event_count, output FROM df.instance_executions(:'id3');

-- another role sees none of it
RESET ROLE;
CREATE ROLE regress_other LOGIN;
SELECT df.grant_usage('regress_other');
SET ROLE regress_other;
SELECT count(*) AS visible_executions FROM df.instance_executions(:'id', 10);
SELECT count(*) AS visible_nodes FROM df.instance_nodes(:'id');
RESET ROLE;
