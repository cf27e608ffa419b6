-- exec_timeout: df.timeout (issue 13 item 4). df.timeout(step, seconds) and timeout(...) in
-- the textual language build the same TIMEOUT node; the executor cancels the SQL step's
-- statement after the time (SQLSTATE 57014, as statement_timeout would). That is the
-- attempt's failure: df.retry retries it, df.catch handles it, and unhandled it fails the
-- instance. Only a SQL step can be wrapped (a sub-workflow is refused when built).

-- Sequences are not transactional: they count the attempts of a step whose attempts are
-- rolled back. slow_first sleeps 5 s on its first call only.
CREATE SEQUENCE slow_a;
GRANT USAGE, SELECT ON SEQUENCE slow_a TO regress_exec;
CREATE FUNCTION slow_first(seq text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF nextval(seq::regclass) = 1 THEN PERFORM pg_sleep(5); END IF;
  RETURN currval(seq::regclass)::int;
END $$;
GRANT EXECUTE ON FUNCTION slow_first(text) TO regress_exec;
CREATE FUNCTION timeout_attempts_of(p_id text)
  RETURNS TABLE (status text, attempts text, sqlstate text) LANGUAGE sql AS $$
  SELECT n.status, n.status_details->>'attempts', n.status_details->'error'->>'sqlstate'
  FROM df.nodes n WHERE n.instance_id = p_id AND n.node_type = 'SQL' AND n.query LIKE '%slow%'
$$;
GRANT EXECUTE ON FUNCTION timeout_attempts_of(text) TO regress_exec;

-- constructor: seconds as a number, text or interval; bounds; only a SQL step; strict
SELECT df.timeout('SELECT 1', 30);
SELECT df.timeout('SELECT 1', '30 seconds') = df.timeout('SELECT 1', interval '30 seconds') AS same_duration;
SELECT df.timeout('SELECT 1', 0.25);
SELECT df.timeout('SELECT 1', 0);                                -- expect: bounds
SELECT df.timeout('SELECT 1', '2 days');                         -- expect: bounds
SELECT df.timeout('SELECT 1', 'soon');                           -- expect: invalid duration
SELECT df.timeout('SELECT 1' ~> 'SELECT 2', 1);                  -- expect: only a SQL step
SELECT df.timeout(df.sleep(10), 1);                              -- expect: only a SQL step
SELECT df.timeout(NULL, 1) IS NULL AS strict;
-- the textual language builds the same node
SELECT df.compile($$timeout('SELECT 1', '30 seconds')$$) = df.timeout('SELECT 1', 30) AS same_as_sql;
SELECT df.compile($$df.retry(df.timeout('SELECT 1', 1), max_attempts => 2)$$)
       = df.retry(df.timeout('SELECT 1', 1), 2) AS same_nested;
SELECT df.compile($$timeout('SELECT 1', 0)$$);                   -- expect: bounds, with position
SELECT df.explain(df.retry(df.timeout('SELECT pg_sleep(5)', '1 minute 30 seconds'), 2));

SET ROLE regress_exec;

-- a stored graph whose TIMEOUT wraps a composite is refused too (df.start validates it)
SELECT df.start('{"node_type":"TIMEOUT","query":"{\"timeout_ms\":1000}","left_node":{"node_type":"THEN","left_node":{"node_type":"SQL","query":"SELECT 1"},"right_node":{"node_type":"SQL","query":"SELECT 2"}}}');

-- a 5 s step under a 1 s timeout fails with 57014, well before the 5 s
SELECT clock_timestamp() AS t0 \gset
SELECT df.start(df.timeout('SELECT pg_sleep(5)', 1)) AS id \gset
SELECT await_end(:'id');
SELECT clock_timestamp() - :'t0'::timestamptz < interval '4 seconds' AS quick;
SELECT output FROM df.instance_info(:'id');
SELECT n.status, n.status_details->'error'->>'sqlstate' AS sqlstate
  FROM df.nodes n WHERE n.instance_id = :'id' AND n.node_type = 'SQL';

-- under df.catch (try/catch in the language) the handler runs with the error
SELECT df.start(df.compile($$try { timeout('SELECT pg_sleep(5)', 1) } catch (err) {
    'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''handled '' || $err.sqlstate)'
  } ~> 'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''after'')'$$)) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;

-- under df.retry a timed-out attempt is retried: the first call sleeps and is cancelled,
-- the second returns at once (each attempt has the full time)
SELECT df.start(df.retry(df.timeout($$SELECT slow_first('slow_a') AS calls$$, 1), max_attempts => 3,
                         backoff => 0) |=> 'r'
                ~> $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'calls $r.calls')$$) AS id \gset
SELECT await_end(:'id');
SELECT * FROM timeout_attempts_of(:'id');
SELECT step FROM exec_effects WHERE instance = :'id';

-- a step without a timeout is not cut short by its neighbour's
SELECT df.start(df.timeout('SELECT 1', 1) ~> 'SELECT pg_sleep(1.5)') AS id \gset
SELECT await_end(:'id');

RESET ROLE;
