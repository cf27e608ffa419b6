-- obs_explain: df.explain shows a failed instance's error whole (wrapped, never cut), the
-- unfinished nodes of a terminal instance as cancelled / not run (never running), and a
-- pending timer's time: a cron wait's next tick, a sleep's wake-up, a signal timeout.
CREATE FUNCTION obs_explain(id text) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT rtrim(regexp_replace(line, '[0-9a-f]{8}', '<id>', 'g'))
  FROM regexp_split_to_table(df.explain(id), E'\n') AS line
$$;
GRANT EXECUTE ON FUNCTION obs_explain(text) TO regress_exec;
SET ROLE regress_exec;

-- the whole error, wrapped at 100 bytes (the reference cut it to 57 bytes + "...")
SELECT df.start(format('SELECT %L::int AS n', repeat('not a number ', 12))) AS id \gset
SELECT await_end(:'id');
SELECT obs_explain(:'id');

-- a completed result is still cut to 60 bytes
SELECT df.start(format('SELECT %L AS long_text', repeat('y', 100))) AS id \gset
SELECT await_end(:'id');
SELECT obs_explain(:'id');

-- cancelled while a loop waits: nothing reads as running (⏳) any more
SELECT df.start(df.loop(df.wait_for_signal('never') ~> 'SELECT 1')) AS id \gset
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND node_type = ''SIGNAL'' AND status = ''running'')', :'id'));
SELECT node_type, status, inferred_status FROM df.instance_nodes(:'id') ORDER BY node_type;
SELECT df.cancel(:'id', 'stop') IS NOT NULL AS cancelled;
SELECT obs_explain(:'id');
SELECT node_type, status, inferred_status, inferred_status_from_ancestor_id
FROM df.instance_nodes(:'id') ORDER BY node_type;

-- pending timers: next cron tick, sleep wake-up, signal timeout (UTC)
SELECT df.start(df.wait_for_schedule('0 0 1 1 *') & df.sleep(3600) & df.wait_for_signal('s', 7200)) AS id \gset
SELECT wait_until(format('(SELECT count(*) FROM df.nodes WHERE instance_id = %L AND status = ''running'' AND node_type IN (''WAIT_SCHEDULE'', ''SLEEP'', ''SIGNAL'')) = 3', :'id'));
SELECT regexp_replace(line, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', '<time>') FROM obs_explain(:'id') line;
-- the cron tick is the next 1 January, 00:00 UTC
SELECT substring(df.explain(:'id') FROM 'next tick (\S+ \S+) UTC')::timestamp =
       date_trunc('year', now() AT TIME ZONE 'UTC') + interval '1 year' AS next_new_year;
SELECT df.cancel(:'id') IS NOT NULL AS cancelled;
