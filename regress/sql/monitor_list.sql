-- monitor_list: df.list_instances (both overloads, keyset pagination, limits and cursor
-- errors), df.instance_info, df.instance_executions, df.instance_nodes (both overloads)
-- and df.metrics (admin only). Instances wait for a signal, so nothing finishes under us.
\set VERBOSITY terse
SET ROLE regress_alice;
SELECT df.start(df.wait_for_signal('go') |=> 'w', 'page') AS p1 \gset
SELECT df.start(df.wait_for_signal('go'), 'page') AS p2 \gset
SELECT df.start(df.wait_for_signal('go'), 'page') AS p3 \gset
SELECT df.start(df.wait_for_signal('go'), 'other') AS p4 \gset

-- basic overload: newest first, engine columns present, status from df.instances
SELECT label, function_name, status IN ('pending', 'running') AS live, execution_count, output
  FROM df.list_instances() WHERE instance_id IN (:'p1', :'p2', :'p3', :'p4') ORDER BY label;
SELECT count(*) FROM df.list_instances(NULL, 2);
SELECT df.list_instances(NULL, 0);        -- expect: limit_count must be at least 1
SELECT df.list_instances(NULL, 1001);     -- expect: ... exceeds pg_durable.list_instances_max_limit (1000) ...
SELECT count(*) <= 1000 AS at_max_is_allowed FROM df.list_instances(NULL, 1000);

-- paged overload: pages of 2 over the three 'page' instances
CREATE TEMP TABLE page1 AS SELECT * FROM df.list_instances(NULL, 2, 'page');
SELECT count(*) AS page1_rows, count(DISTINCT next_cursor) AS one_cursor,
       bool_and(next_cursor ~ '^[0-9a-f]+$') AS hex_cursor FROM page1;
SELECT convert_from(decode((SELECT next_cursor FROM page1 LIMIT 1), 'hex'), 'UTF8')
       ~ '^v1\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}[+-][0-9]{2}(:[0-9]{2})?\|[0-9a-f]{8}$' AS cursor_shape;
SELECT count(*) AS page2_rows, bool_and(next_cursor IS NULL) AS last_page,
       bool_and(instance_id NOT IN (SELECT instance_id FROM page1)) AS disjoint
  FROM df.list_instances(NULL, 2, 'page', (SELECT next_cursor FROM page1 LIMIT 1));
SELECT df.list_instances(NULL, 2, NULL, '');        -- expect: df.list_instances: invalid after_cursor
SELECT df.list_instances(NULL, 2, NULL, 'abc');     -- expect: df.list_instances: invalid after_cursor
SELECT df.list_instances(NULL, 2, NULL, 'zz');      -- expect: df.list_instances: invalid after_cursor
SELECT df.list_instances(NULL, 2, NULL, encode(convert_to('v2|2024-01-01T00:00:00.000000+00|abcdef01', 'UTF8'), 'hex'));  -- expect: invalid after_cursor
SELECT df.list_instances(NULL, 2, NULL, encode(convert_to('v1|yesterday|abcdef01', 'UTF8'), 'hex'));  -- expect: invalid after_cursor
SELECT df.list_instances(NULL, 0, NULL);            -- expect: limit_count must be at least 1

-- instance_info / instance_executions
SELECT label, function_name, current_execution_id, status IN ('pending', 'running') AS live, output
  FROM df.instance_info(:'p1');
SELECT count(*) AS unknown_info FROM df.instance_info('ffffffff');
SELECT execution_id, status, duration_ms FROM df.instance_executions(:'p1');
SELECT df.instance_executions(:'p1', 0);   -- expect: limit_count must be at least 1

-- instance_nodes: one row per node with inferred status; the compatibility overload
SELECT node_type, result_name, status, inferred_status, inferred_status_from_ancestor_id
  FROM df.instance_nodes(:'p1');
SELECT execution_id, node_type, result_name FROM df.instance_nodes(:'p1', 5);

-- cancel everything: status agrees everywhere
SELECT count(*) FROM (SELECT df.cancel(id) FROM df.instances WHERE id IN (:'p1', :'p2', :'p3', :'p4')) c;
SELECT df.status(:'p2') AS status_fn,
       (SELECT status FROM df.list_instances() WHERE instance_id = :'p2') AS list_status,
       (SELECT status FROM df.instance_info(:'p2')) AS info_status;
SELECT label, completed_at FROM df.list_instances('cancelled', 10, 'other');

-- metrics is for administrators
SELECT df.metrics();   -- expect: permission denied for function metrics
RESET ROLE;
SELECT total_instances >= 4 AS counted, total_executions >= total_instances AS executions FROM df.metrics();
