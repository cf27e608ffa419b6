-- monitor_explain: df.explain in every input mode of docs/reference.md §13 (dry runs need no
-- worker), then the live mode of a started instance.
SELECT df.explain('{"node_type":"SQL","query":"SELECT 1"}');
SELECT df.explain($$ 'SELECT 1' ~> 'SELECT 2' $$);
SELECT df.explain($$ ('SELECT 1 AS a' |=> 'a') & ('SELECT 2' | df.sleep(30)) $$);
SELECT df.explain($$ 'SELECT true' ?> 'SELECT 1' !> df.loop('SELECT 2' ~> df.break('done'), 'SELECT false') $$);
SELECT df.explain(df.join3(df.wait_for_signal('go', 10), df.wait_for_schedule('0 5 * * *'),
                           df.http('https://example.com/a/very/long/path/that/gets/truncated', 'GET')));
SELECT df.explain('SELECT 1 FROM somewhere');
SELECT df.explain(E'WITH x AS (SELECT 1)\nSELECT * FROM x');
SELECT df.explain('hello world');                              -- expect: Cannot explain input ...
SELECT df.explain('{"node_type":"NOT_A_NODE"}');               -- expect (returned): Invalid durable function graph: root: Unknown node_type 'NOT_A_NODE'
SELECT df.explain('{"node_type":"SQL","query":"x","extra_nodes":[{"node_type":"SQL","query":"y"}]}');  -- expect (returned): extra_nodes is not valid for SQL nodes
SELECT df.explain($$ df.sql(NULL) $$);                          -- expect (returned): Expression returned NULL
SELECT df.explain($$ df.sleep(-1) $$);                          -- expect: Sleep duration must be non-negative (raised)
SELECT df.explain('ffffffff');                                  -- expect (returned): Instance 'ffffffff' not found
-- 130-step sequence: 129 arrows; 129 nested ifs: 129 IF lines
DO $$
DECLARE g text := df.sql('SELECT 0'); e text;
BEGIN
  FOR i IN 1..129 LOOP g := df.seq(g, df.sql('SELECT ' || i)); END LOOP;
  e := df.explain(g);
  RAISE NOTICE 'arrows: %', (length(e) - length(replace(e, '→', ''))) / length('→');
  g := df.sql('SELECT 0');
  FOR i IN 1..129 LOOP g := df.if('SELECT true', g, 'SELECT 2'); END LOOP;
  e := df.explain(g);
  RAISE NOTICE 'ifs: %', (SELECT count(*) FROM regexp_matches(e, 'IF', 'g'));
END $$;
-- lines are padded to the longest line + 4
SELECT array_agg(DISTINCT length(l)) AS line_lengths
  FROM regexp_split_to_table(df.explain($$ 'SELECT 1' ~> 'SELECT 22' $$), E'\n') l;

-- live mode, as the owner (RLS): header, tree with markers
SET ROLE regress_alice;
SELECT df.start(df.wait_for_signal('go') ~> 'SELECT 1', 'live') AS live_id \gset
SELECT regexp_replace(df.explain(:'live_id'), '[0-9a-f]{8}', '<id>') ~ '^Instance: <id> \(live\)\nStatus:   . (Pending|Running)\n\n' AS header_ok;
SELECT df.explain(:'live_id') ~ 'SIGNAL ''go'' (⏳|○)' AS signal_marker,
       df.explain(:'live_id') ~ 'SQL: SELECT 1 ○' AS pending_marker;
SELECT replace(df.cancel(:'live_id'), :'live_id', '<id>');
SELECT df.explain(:'live_id') ~ 'Status:   ✗ Canceled' AS cancelled_status;
RESET ROLE;
CREATE ROLE regress_eve LOGIN;
SELECT df.grant_usage('regress_eve');
SET ROLE regress_eve;
SELECT replace(df.explain(:'live_id'), :'live_id', '<id>') AS other_role_sees_nothing;
RESET ROLE;
