-- exec_failure: retries and error handlers (issue 13). df.retry and df.start's instance-wide policy in both
-- front ends; a failed attempt is rolled back (exactly once), waits are durable timers,
-- permanent errors are not retried, 40001/40P01 are retried even without a policy, and
-- every attempt shows in df.nodes.status_details / df.instance_nodes.

-- Failing on purpose: sequences are not transactional, so they count the attempts of a
-- step even though each failed attempt is rolled back.
CREATE FUNCTION fail_until(seq text, n int, state text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF nextval(seq::regclass) <= n THEN
    RAISE EXCEPTION 'transient failure %', currval(seq::regclass) USING ERRCODE = state;
  END IF;
  RETURN currval(seq::regclass)::int;
END $$;
CREATE SEQUENCE flaky_a; CREATE SEQUENCE flaky_b; CREATE SEQUENCE flaky_c; CREATE SEQUENCE flaky_d;
CREATE SEQUENCE flaky_e; CREATE SEQUENCE flaky_f; CREATE SEQUENCE flaky_g; CREATE SEQUENCE flaky_h;
CREATE SEQUENCE flaky_i;
GRANT USAGE, SELECT ON SEQUENCE flaky_a, flaky_b, flaky_c, flaky_d, flaky_e, flaky_f, flaky_g, flaky_h, flaky_i
  TO regress_exec;
GRANT EXECUTE ON FUNCTION fail_until(text, int, text) TO regress_exec;
-- One node's attempt information, without the run-dependent parts.
CREATE FUNCTION attempts_of(p_id text, p_type text DEFAULT 'SQL')
  RETURNS TABLE (status text, attempts text, attempt text, sqlstate text, message text) LANGUAGE sql AS $$
  SELECT n.status, n.status_details->>'attempts',
         coalesce(n.status_details->'error'->>'attempt', n.status_details->>'attempt'),
         n.status_details->'error'->>'sqlstate', n.status_details->'error'->>'message'
  FROM df.nodes n WHERE n.instance_id = p_id AND n.node_type = p_type
$$;
GRANT EXECUTE ON FUNCTION attempts_of(text, text) TO regress_exec;

-- constructors: defaults, durations as text, seconds or intervals, bounds
SELECT df.retry('SELECT 1');
SELECT df.retry('SELECT 1', 5, '250 ms', 60) = df.retry('SELECT 1', max_attempts => 5,
       backoff => 0.25, max_backoff => interval '1 minute') AS same_policy;
SELECT df.retry('SELECT 1', 0);                                  -- expect: max_attempts bounds
SELECT df.retry('SELECT 1', 101);                                -- expect: max_attempts bounds
SELECT df.retry('SELECT 1', backoff => 'soon');                  -- expect: invalid duration
SELECT df.retry('SELECT 1', backoff => '2 minutes');             -- expect: max_backoff below backoff
SELECT df.retry('SELECT 1', backoff => interval '-1 second');    -- expect: negative
SELECT df.retry('SELECT 1', max_backoff => '2 days');            -- expect: upper bound
SELECT df.retry(NULL) IS NULL AS strict;
-- the textual language builds the same node
SELECT df.compile($$df.retry('SELECT 1', max_attempts => 5, backoff => 0.25, max_backoff => '1 minute')$$)
       = df.retry('SELECT 1', 5, '250 ms', '1 minute') AS same_as_sql;
SELECT df.compile($$retry('SELECT 1', max_attempts => 500)$$);    -- expect: bounds, with position
SELECT df.explain(df.retry('SELECT 1' ~> 'SELECT 2', 4, '1 second', '30 seconds'));
-- df.catch: constructor and bad error names; try/catch compiles to the same node
SELECT df.catch('SELECT 1', 'SELECT 2', 'err');
SELECT df.catch('SELECT 1', 'SELECT 2', 'bad name');            -- expect: not an identifier
SELECT df.compile($$try { 'SELECT 1' } catch (err) { 'SELECT 2' }$$) = df.catch('SELECT 1', 'SELECT 2', 'err') AS same_as_sql;
SELECT df.compile($$attempt { 'SELECT 1' } catch (err) { 'SELECT 2' }$$);  -- expect: try/catch form
SELECT df.explain(df.catch('SELECT 1', 'SELECT 2'));
-- df.start's instance-wide policy: bounds and on_failure
SELECT df.start('SELECT 1', max_attempts => 0);                  -- expect: bounds
SELECT df.start('SELECT 1', max_backoff => 'later');             -- expect: invalid duration
SELECT df.start('SELECT 1', on_failure => 'ignore');             -- expect: only 'fail'

SET ROLE regress_exec;

-- a flaky step succeeds on its third attempt; the failed attempts left no effect behind
SELECT df.start(df.retry($$INSERT INTO exec_effects SELECT '{sys_instance_id}', 'flaky'
                           WHERE fail_until('flaky_a', 2, '55P03') > 0$$, 5, 0.05)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');
SELECT count(*) AS effects_exactly_once FROM exec_effects WHERE instance = :'id';
SELECT regexp_replace(df.explain(:'id'), 'Instance: \w+', 'Instance: <id>') AS live_view;

-- attempts never exceed the policy; the node fails with the last error's record
SELECT df.start(df.retry($$SELECT fail_until('flaky_b', 100, '22012')$$, 2, 0.05)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id' AND node_type = 'SQL';
SELECT last_value AS attempts_made FROM flaky_b;

-- errors that cannot succeed on their own are not retried (42P01 missing table)
SELECT df.start(df.retry('SELECT * FROM no_such_table_yet', 5, 0.05)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');

-- the instance-wide policy (df.start) covers every step
SELECT df.start($$SELECT fail_until('flaky_c', 1, '55P03')$$, max_attempts => 3, max_backoff => 0.05) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');

-- without any policy: serialization failures and deadlocks get 3 attempts
SELECT df.start($$SELECT fail_until('flaky_d', 2, '40001')$$) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');
SELECT df.start($$SELECT fail_until('flaky_e', 10, '40P01')$$) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');
-- ... but any other failure fails at once, as before
SELECT df.start($$SELECT fail_until('flaky_f', 10, '55P03')$$) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');

-- the textual language: the same retry from a compiled file
SELECT df.start(df.compile($$retry('SELECT fail_until(''flaky_g'', 1, ''55P03'')', max_attempts => 2, backoff => '50 ms')$$)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM attempts_of(:'id');

-- error handlers: after the step's attempts the handler runs with $error; the workflow
-- goes on after it; the failed step stays failed in df.nodes
SELECT df.start(df.catch(df.retry('SELECT * FROM no_such_table_yet', 3, 0.05),
         $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'handled ' || $error.sqlstate || ' after ' || $error.attempts || ' ' || $error.node_type)$$)
       ~> $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'went on')$$) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;
SELECT node_type, status FROM df.nodes WHERE instance_id = :'id' ORDER BY node_type, status;
-- the same from the textual language, with a named error and a message
SELECT df.start(df.compile($$try { 'SELECT 1/0' } catch (oops) {
    'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', $oops.message)' } ~> 'SELECT 2'$$)) AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id';
-- a handler that fails itself fails the instance
SELECT df.start(df.catch('SELECT 1/0', 'SELECT * FROM no_such_table_yet')) AS id \gset
SELECT await_end(:'id');
SELECT df.result(:'id') IS NULL AS no_result, (SELECT status FROM df.instances WHERE id = :'id');

-- a node waiting to retry shows as such: attempt, error, next retry time
SELECT df.start(df.retry($$SELECT fail_until('flaky_h', 1, '55P03')$$, 3, '1 hour', '1 hour')) AS id \gset
SELECT wait_until(format($$EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND status_details->>'waiting' = 'retry')$$, :'id')) AS waiting;
SELECT status, status_details->>'waiting' AS waiting, status_details->>'attempt' AS attempt,
       status_details->>'max_attempts' AS max_attempts, status_details->'error'->>'sqlstate' AS sqlstate,
       status_details->'error'->>'message' AS error,
       (status_details->>'next_retry_at')::timestamptz > now() + interval '50 minutes' AS retry_in_an_hour
  FROM df.nodes WHERE instance_id = :'id' AND node_type = 'SQL';
-- df.instance_nodes carries the same attempt, error text, SQLSTATE and next retry time
SELECT node_type, status, d->>'waiting' AS waiting, d->>'attempt' AS attempt, d->'error'->>'sqlstate' AS sqlstate,
       d->'error'->>'message' AS error, (d->>'next_retry_at')::timestamptz > now() + interval '50 minutes' AS retry_in_an_hour
  FROM (SELECT node_type, status, status_details::jsonb AS d FROM df.instance_nodes(:'id')) n ORDER BY node_type;
-- Trailing blanks are cut: explain pads to the unmasked times, whose width varies.
SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(df.explain(:'id'), 'Instance: \w+', 'Instance: <id>'),
                      'retry at [^)]*', 'retry at <time>'), 'due [0-9-]+ [0-9:]+ UTC', 'due <time>'), ' +(\n|$)', '\1', 'g') AS live_view;
SELECT df.cancel(:'id') LIKE '% cancelled: Cancelled by user' AS cancelled;
SELECT df.status(:'id');
-- the next attempt while it runs shows its number, of how many, and the previous error
SELECT df.start(df.retry($$SELECT pg_sleep(CASE WHEN fail_until('flaky_i', 1, '55P03') > 0 THEN 30 END)$$, 3, 0.05)) AS id \gset
SELECT wait_until(format($$EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND status_details->>'attempt' = '2')$$, :'id')) AS second_attempt;
SELECT node_type, status, d->>'attempt' AS attempt, d->>'max_attempts' AS max_attempts,
       d->'previous_error'->>'sqlstate' AS previous_sqlstate, d->'previous_error'->>'message' AS previous_error
  FROM (SELECT node_type, status, status_details::jsonb AS d FROM df.instance_nodes(:'id')) n ORDER BY node_type;
SELECT rtrim(line) AS live_view FROM regexp_split_to_table(df.explain(:'id'), '\n') AS line WHERE line LIKE '%flaky_i%';
SELECT df.cancel(:'id') LIKE '% cancelled: Cancelled by user' AS cancelled;
RESET ROLE;
