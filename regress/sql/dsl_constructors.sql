-- dsl_constructors: every graph constructor of docs/reference.md §3.1, its wire JSON (§2),
-- its strictness and each documented build-time error (one statement per error).
SELECT df.sql('SELECT 1');
SELECT df.seq('SELECT 1', 'SELECT 2');
SELECT df.seq(df.sql('SELECT 1'), df.sql('SELECT 2')) = df.seq('SELECT 1', 'SELECT 2') AS deterministic;
SELECT df.as('SELECT 1', 'one');
SELECT df.as(df.as('SELECT 1', 'one'), 'two') AS renamed;
SELECT df.as('SELECT 1', '');            -- expect: df.as: result name cannot be empty
SELECT df.as('SELECT 1', '1abc');        -- expect: result name '1abc' is not a valid identifier
SELECT df.join('SELECT 1', 'SELECT 2');
SELECT df.join3('SELECT 1', 'SELECT 2', 'SELECT 3');
SELECT df.race('SELECT 1', df.sleep(5));
SELECT df.if('SELECT true', 'SELECT 1', 'SELECT 2');
SELECT df.if_rows('r', 'SELECT 1', 'SELECT 2');
SELECT df.loop('SELECT 1');
SELECT df.loop('SELECT 1', 'SELECT false');
SELECT df.loop('SELECT 1', NULL) = df.loop('SELECT 1') AS null_condition_is_infinite;
SELECT df.break();
SELECT df.break('done');
SELECT df.break('{"status":"done"}');
SELECT df.sleep(30);
SELECT df.sleep(0);
SELECT df.sleep(-1);                     -- expect: Sleep duration must be non-negative
SELECT df.wait_for_schedule('*/5 * * * *');
SELECT df.wait_for_schedule('not a cron'); -- expect: Invalid cron expression 'not a cron': ...
SELECT df.wait_for_signal('go');
SELECT df.wait_for_signal('go', 10);
SELECT df.wait_for_signal('');           -- expect: Signal name cannot be empty
SELECT df.wait_for_signal('go', 0);      -- expect: Timeout must be positive
SELECT df.http('https://example.com/x');
SELECT df.http('https://example.com/x', 'get', '{"a":1}', '{"X-B":"2","X-A":"1"}', 5);
SELECT df.http('https://{host}/x', 'GET');
SELECT df.http('ftp://example.com');     -- expect: Blocked: unsupported URL scheme 'ftp'. ...
SELECT df.http('example.com');           -- expect: Blocked: unsupported URL scheme 'example.com'. ...
SELECT df.http('https://example.com', 'HEAD'); -- expect: Invalid HTTP method: HEAD. ...
SELECT df.http('https://example.com', 'GET', NULL, NULL, 0); -- expect: Timeout must be positive
SELECT df.http_multipart('https://example.com/up', 'PUT',
  '[{"name":"f","data_b64":"aGk=","filename":"a.txt"}]');
SELECT df.http_multipart('https://example.com/up', 'GET', '[{"name":"f","data_b64":"aGk="}]'); -- expect: Invalid HTTP method for multipart: GET. ...
SELECT df.http_multipart('https://example.com/up');  -- expect: parts is required and cannot be NULL
SELECT df.http_multipart('https://example.com/up', 'POST', '{}'); -- expect: parts must be a JSON array of part objects
SELECT df.http_multipart('https://example.com/up', 'POST', '[]'); -- expect: parts must contain at least one part

-- strict constructors return NULL for a NULL argument
SELECT df.sql(NULL) IS NULL AS sql_strict, df.seq('SELECT 1', NULL) IS NULL AS seq_strict,
       df.sleep(NULL) IS NULL AS sleep_strict, df.as(NULL, 'x') IS NULL AS as_strict;

-- auto-wrap (docs/reference.md §2): valid Durofut JSON is used, unknown extra keys dropped
SELECT df.seq('{"node_type":"SQL","query":"SELECT 1","extra":1}', 'SELECT 2');
-- JSON without node_type, or with an unknown one, becomes an SQL node verbatim
SELECT df.seq('{"a":1}', '{"node_type":"NOPE"}');
-- a known node_type with bad structure
SELECT df.seq('{"node_type":"IF","condition_node":"x"}', 'SELECT 1'); -- expect: Invalid Durofut JSON: failed to deserialize workflow step: ...

-- auto-wrap rule 1: a helper's 'OK' in the same statement is refused
SELECT df.seq(df.setvar('regress_x', '1'), 'SELECT 1'); -- expect: df.setvar() cannot be used as a workflow step. ...
SELECT df.clearvars();

-- pg_durable.http_mode = off stands for the build without HTTP
SET pg_durable.http_mode = off;
SELECT df.http('https://example.com');   -- expect: df.http() is disabled. ...
SELECT df.http_multipart('https://example.com', 'POST', '[{"name":"f","data_b64":"aGk="}]');  -- expect: df.http_multipart() is disabled. ...
RESET pg_durable.http_mode;
-- non-strict constructors: NULL optional arguments take the documented meaning
SELECT df.wait_for_signal('go', NULL) = df.wait_for_signal('go') AS null_timeout_waits_forever,
       df.http('https://example.com', NULL, NULL, NULL, NULL) = df.http('https://example.com') AS null_http_defaults,
       df.break(NULL) = df.break() AS null_break_value;
