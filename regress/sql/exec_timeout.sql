-- exec_timeout: df.timeout (issue 13 item 4). df.timeout(step, seconds) and timeout(...) in
-- the textual language build the same TIMEOUT node around any step: a SQL or HTTP step, a
-- sleep, a signal wait, a sequence, a join, a loop, a df.retry. A durable timer armed when
-- the TIMEOUT starts cancels what the step still runs when it fires (a running statement
-- is interrupted and rolled back, sleeps and waits dropped) and fails the TIMEOUT with
-- SQLSTATE 57014: df.retry runs the whole TIMEOUT again, df.catch handles it, and
-- unhandled it fails the instance.

-- Sequences are not transactional: they count the attempts of a step whose attempts are
-- rolled back. slow_first sleeps 5 s on its first call only.
CREATE SEQUENCE slow_a;
CREATE SEQUENCE slow_b;
GRANT USAGE, SELECT ON SEQUENCE slow_a, slow_b TO regress_exec;
CREATE FUNCTION slow_first(seq text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF nextval(seq::regclass) = 1 THEN PERFORM pg_sleep(5); END IF;
  RETURN currval(seq::regclass)::int;
END $$;
GRANT EXECUTE ON FUNCTION slow_first(text) TO regress_exec;
-- The TIMEOUT nodes of an instance: status, attempts, SQLSTATE of the error, its message.
CREATE FUNCTION timeouts_of(p_id text)
  RETURNS TABLE (status text, attempts text, sqlstate text, error text) LANGUAGE sql AS $$
  SELECT n.status, n.status_details->>'attempts', n.status_details->'error'->>'sqlstate',
         n.status_details->'error'->>'message'
  FROM df.nodes n WHERE n.instance_id = p_id AND n.node_type = 'TIMEOUT' ORDER BY 1, 3 NULLS FIRST, 4
$$;
GRANT EXECUTE ON FUNCTION timeouts_of(text) TO regress_exec;

-- constructor: seconds as a number, text or interval; bounds; any step; strict
SELECT df.timeout('SELECT 1', 30);
SELECT df.timeout('SELECT 1', '30 seconds') = df.timeout('SELECT 1', interval '30 seconds') AS same_duration;
SELECT df.timeout('SELECT 1', 0.25);
SELECT df.timeout('SELECT 1', 0);                                -- expect: bounds
SELECT df.timeout('SELECT 1', '2 days');                         -- expect: bounds
SELECT df.timeout('SELECT 1', 'soon');                           -- expect: invalid duration
SELECT df.timeout('SELECT 1' ~> 'SELECT 2', 1);
SELECT df.timeout(df.sleep(10), 1);
SELECT df.timeout(NULL, 1) IS NULL AS strict;
-- the textual language builds the same node
SELECT df.compile($$timeout('SELECT 1', '30 seconds')$$) = df.timeout('SELECT 1', 30) AS same_as_sql;
SELECT df.compile($$df.retry(df.timeout('SELECT 1', 1), max_attempts => 2)$$)
       = df.retry(df.timeout('SELECT 1', 1), 2) AS same_nested;
SELECT df.compile($$timeout('SELECT 1' ~> df.sleep(5) ~> df.wait_for_signal('go'), '1 minute')$$)
       = df.timeout('SELECT 1' ~> df.sleep(5) ~> df.wait_for_signal('go'), 60) AS same_composite;
SELECT df.compile($$timeout(retry('SELECT 1' & df.sleep(5), max_attempts => 2), 60)$$)
       = df.timeout(df.retry(df.join('SELECT 1', df.sleep(5)), 2), 60) AS same_around_retry;
SELECT df.compile($$timeout(try { timeout(df.sleep(60), '300 ms') } catch (e) { 'SELECT 1' }, 30)$$)
       = df.timeout(df.catch(df.timeout(df.sleep(60), '300 ms'), 'SELECT 1', error_name => 'e'), 30) AS same_nested_catch;
SELECT df.compile($$timeout('SELECT 1', 0)$$);                   -- expect: bounds, with position
SELECT df.explain(df.retry(df.timeout('SELECT pg_sleep(5)', '1 minute 30 seconds'), 2));
SELECT df.explain(df.timeout(df.join('SELECT 1', df.wait_for_signal('go')), 45));

SET ROLE regress_exec;

-- a 5 s step under a 1 s timeout fails with 57014, well before the 5 s; its statement was
-- cancelled and rolled back
SELECT clock_timestamp() AS t0 \gset
SELECT df.start(df.timeout($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'slept') RETURNING pg_sleep(5)$$, 1)) AS id \gset
SELECT await_end(:'id');
SELECT clock_timestamp() - :'t0'::timestamptz < interval '4 seconds' AS quick;
SELECT output FROM df.instance_info(:'id');
SELECT * FROM timeouts_of(:'id');
SELECT n.status, n.result FROM df.nodes n WHERE n.instance_id = :'id' AND n.node_type = 'SQL';
SELECT wait_until(format('instance_idle(%L)', :'id'), 10);
SELECT count(*) AS rolled_back FROM exec_effects WHERE instance = :'id';

-- around a sequence: the first step committed, the running second one is cancelled, the
-- third never starts
SELECT df.start(df.timeout($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'first')$$
                           ~> 'SELECT pg_sleep(5)'
                           ~> $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'third')$$, 1)) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;
SELECT query, status FROM df.nodes WHERE instance_id = :'id' AND node_type = 'SQL' ORDER BY query;

-- around a join (the textual language): every branch is cancelled, the sleep and the wait too
SELECT df.start(df.compile($$timeout('SELECT pg_sleep(5)' & df.sleep(60) & df.wait_for_signal('never'), '1 second')$$)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM timeouts_of(:'id');
SELECT wait_until(format('instance_idle(%L)', :'id'), 10);
SELECT count(*) AS timers_left FROM df.instance_nodes(:'id') WHERE status = 'running';

-- around a sleep, under df.catch: the handler runs with $error (SQLSTATE 57014, TIMEOUT)
SELECT df.start(df.catch(df.timeout(df.sleep(60), '500 ms'),
                         $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'handled ' || $error.sqlstate || ' ' || $error.node_type || ' ' || $error.message)$$)
                ~> $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'after')$$) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;

-- around a signal wait, try/catch in the language; a signal sent afterwards reaches nobody
SELECT df.start(df.compile($$try { timeout(df.wait_for_signal('approve'), 1) } catch (err) {
    'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''no answer: '' || $err.sqlstate)'
  }$$)) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id';
SELECT df.signal(:'id', 'approve', '{}');

-- a step that finishes in time: the TIMEOUT completes with its step's result
SELECT df.start(df.timeout('SELECT 1 AS one' ~> 'SELECT pg_sleep(0.1)' ~> 'SELECT 2 AS two', 30)) AS id \gset
SELECT await_end(:'id');
SELECT status, result FROM df.nodes WHERE instance_id = :'id' AND node_type = 'TIMEOUT';

-- inside df.retry each attempt of the TIMEOUT gets the full time: the first call sleeps and
-- is cancelled, the second returns at once
SELECT df.start(df.retry(df.timeout($$SELECT slow_first('slow_a') AS calls$$, 1), max_attempts => 3,
                         backoff => 0) |=> 'r'
                ~> $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'calls $r.calls')$$) AS id \gset
SELECT await_end(:'id');
SELECT status, attempts FROM timeouts_of(:'id');
SELECT step FROM exec_effects WHERE instance = :'id';

-- a retried TIMEOUT runs its whole step again: the first step of the sequence twice
SELECT df.start(df.retry(df.timeout($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'start')$$
                                    ~> $$SELECT slow_first('slow_b')$$, 1), max_attempts => 2, backoff => 0)) AS id \gset
SELECT await_end(:'id');
SELECT step, count(*) FROM exec_effects WHERE instance = :'id' GROUP BY step;

-- the policy runs out: every attempt timed out
SELECT df.start(df.retry(df.timeout(df.sleep(60), '200 ms'), max_attempts => 2, backoff => 0)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM timeouts_of(:'id');

-- around a df.retry the time covers every attempt: the retries of a failing step are cut short
SELECT clock_timestamp() AS t0 \gset
SELECT df.start(df.timeout(df.retry('SELECT 1/0', max_attempts => 10, backoff => '1 second'), '1.5 seconds')) AS id \gset
SELECT await_end(:'id');
SELECT clock_timestamp() - :'t0'::timestamptz < interval '6 seconds' AS cut_short;
SELECT * FROM timeouts_of(:'id');

-- nested: the inner timeout is handled inside the outer one, which then completes in time
SELECT df.start(df.timeout(df.catch(df.timeout(df.sleep(60), '300 ms'), 'SELECT ''inner handled'' AS h'), 30)) AS id \gset
SELECT await_end(:'id');
SELECT status, sqlstate FROM timeouts_of(:'id');
-- nested: the outer runs out first; the inner's handler does not run
SELECT df.start(df.timeout(df.catch(df.timeout(df.sleep(60), 30),
                                    $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'inner handler')$$), '300 ms')) AS id \gset
SELECT await_end(:'id');
SELECT status, sqlstate FROM timeouts_of(:'id');
SELECT count(*) AS inner_handler_runs FROM exec_effects WHERE instance = :'id';

-- a stored graph with a TIMEOUT around a composite runs as the constructor's does
SELECT df.start('{"node_type":"TIMEOUT","query":"{\"timeout_ms\":30000}","left_node":{"node_type":"THEN","left_node":{"node_type":"SQL","query":"SELECT 1"},"right_node":{"node_type":"SQL","query":"SELECT 2"}}}') AS id \gset
SELECT await_end(:'id');

-- a step without a timeout is not cut short by its neighbour's
SELECT df.start(df.timeout('SELECT 1', 1) ~> 'SELECT pg_sleep(1.5)') AS id \gset
SELECT await_end(:'id');

RESET ROLE;
