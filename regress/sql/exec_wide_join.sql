-- exec_wide_join: a wide JOIN's state is stored as a base plus one delta per event
-- (docs/design.md "How a state is stored"); its results and df.nodes are what a whole
-- state gives, every branch runs once, and the deltas are compacted into the base as they
-- grow, then gone when the instance ends.
\set VERBOSITY terse
CREATE TABLE wide_effects (branch int);
GRANT ALL ON wide_effects TO regress_exec;
SET ROLE regress_exec;
-- A JOIN of 300 SQL steps (wire JSON: two children plus extra_nodes), then one more step.
SELECT df.start(jsonb_build_object('node_type', 'THEN',
         'left_node', df.join(df.sql('INSERT INTO wide_effects VALUES (0) RETURNING 0 AS b'),
                              df.sql('INSERT INTO wide_effects VALUES (1) RETURNING 1 AS b'))::jsonb
           || jsonb_build_object('extra_nodes', (SELECT jsonb_agg(df.sql(format(
                'INSERT INTO wide_effects VALUES (%s) RETURNING %s AS b', i, i))::jsonb ORDER BY i)
                FROM generate_series(2, 299) i)),
         'right_node', df.sql('SELECT count(*) AS n FROM wide_effects')::jsonb)::text) AS id \gset
SELECT await_end(:'id');
-- every branch ran exactly once; the JOIN's result lists them in branch order
SELECT count(*) AS effects, count(DISTINCT branch) AS distinct_branches FROM wide_effects;
SELECT df.result(:'id')::jsonb #>> '{rows,0,n}' AS counted_after_join;
SELECT jsonb_array_length(result) AS branches,
       (SELECT bool_and((result -> i #>> '{rows,0,b}')::int = i) FROM generate_series(0, 299) i) AS in_order
  FROM df.nodes WHERE instance_id = :'id' AND node_type = 'JOIN';
SELECT node_type, status, count(*) FROM df.nodes WHERE instance_id = :'id' GROUP BY 1, 2 ORDER BY 1, 2;
RESET ROLE;
-- ended: the state is small and whole again, no delta is left
SELECT delta_bytes IS NULL AS whole, octet_length(state) < 2000 AS small,
       (SELECT count(*) FROM _duroxide.state_deltas d WHERE d.instance_id = :'id') AS deltas
  FROM _duroxide.instance_state WHERE instance_id = :'id';

-- A JOIN of 300 signal waits, answered one df.signal at a time: the state is a base with
-- deltas, compacted (the deltas go) as they outgrow half of it.
SET ROLE regress_exec;
SELECT df.start((df.join(df.wait_for_signal('s0'), df.wait_for_signal('s1'))::jsonb
         || jsonb_build_object('extra_nodes', (SELECT jsonb_agg(df.wait_for_signal('s' || i)::jsonb ORDER BY i)
              FROM generate_series(2, 299) i)))::text) AS sid \gset
RESET ROLE;
SELECT set_config('regress.sid', :'sid', false) IS NOT NULL AS set;
CREATE TEMP TABLE delta_counts (i int, deltas bigint, delta_bytes bigint);
DO $$
DECLARE
  sid text := current_setting('regress.sid');
BEGIN
  FOR i IN 0 .. 298 LOOP
    PERFORM df.signal(sid, 's' || i, to_jsonb(i)::text);
    INSERT INTO delta_counts SELECT i, (SELECT count(*) FROM _duroxide.state_deltas d WHERE d.instance_id = sid),
      s.delta_bytes FROM _duroxide.instance_state s WHERE s.instance_id = sid;
  END LOOP;
END
$$;
-- one delta per signal until a compaction drops them all; deltas never reach half the base
SELECT count(*) FILTER (WHERE deltas = 0) > 0 AS compacted,
       count(*) FILTER (WHERE deltas > 0) > 200 AS mostly_deltas,
       bool_and(deltas = 0 OR delta_bytes > 0) AS sizes_counted
  FROM delta_counts;
SELECT df.status(:'sid') AS running_before_last;
SET ROLE regress_exec;
SELECT df.signal(:'sid', 's299', '299');
SELECT await_end(:'sid');
SELECT jsonb_array_length(df.result(:'sid')::jsonb) AS branches,
       (SELECT bool_and((df.result(:'sid')::jsonb -> i ->> 'data')::int = i) FROM generate_series(0, 299) i) AS in_order;
RESET ROLE;
-- ended: no delta is left (its 300-element result keeps the state above the size of a base)
SELECT (SELECT count(*) FROM _duroxide.state_deltas d WHERE d.instance_id = :'sid') AS deltas,
       event_count AS events FROM _duroxide.instance_state WHERE instance_id = :'sid';
DROP TABLE wide_effects;
