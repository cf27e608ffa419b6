-- exec_size_caps: inputs larger than their cap are refused with a clear error where they
-- enter, and change nothing (issue 11 item 8). regress.conf sets
-- pg_durable.max_step_result_bytes = 1MB for the executors.
SHOW pg_durable.max_variable_bytes;
SHOW pg_durable.max_signal_bytes;
SET pg_durable.max_variable_bytes = '1kB';
SET pg_durable.max_signal_bytes = '1kB';
SET ROLE regress_exec;
SET pg_durable.max_variable_bytes = '1GB';   -- expect: permission denied (superuser-only)
\set VERBOSITY terse

-- variables: df.setvar and a direct write to df.vars
SELECT df.setvar('small', repeat('x', 1024));
SELECT df.setvar('big', repeat('x', 1025));                      -- expect: more than max_variable_bytes
INSERT INTO df.vars (name, value) VALUES ('big', repeat('x', 5000));  -- expect: more than max_variable_bytes
UPDATE df.vars SET value = repeat('x', 5000) WHERE name = 'small';   -- expect: more than max_variable_bytes
SELECT name, length(value) FROM df.vars ORDER BY name;
SELECT df.unsetvar('small');

-- signal data
SELECT df.start(df.wait_for_signal('go')) AS id \gset
SELECT df.signal(:'id', 'go', repeat('y', 1025));               -- expect: more than max_signal_bytes
SELECT df.signal(:'id', 'go', '"ok"');
SELECT await_end(:'id');

-- step results: the executors use the 1MB cap of regress.conf
SELECT df.start('SELECT current_setting(''pg_durable.max_step_result_bytes'') AS cap') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
-- one large value
SELECT df.start('SELECT repeat(''z'', 2000000) AS big') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';
-- many rows
SELECT df.start('SELECT g, repeat(''z'', 100) AS pad FROM generate_series(1, 20000) g') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';
-- the cap is on the result only
SELECT df.start('SELECT length(repeat(''z'', 2000000)) AS fine') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
RESET ROLE;
