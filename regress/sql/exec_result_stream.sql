-- exec_result_stream: a SQL step's rows become result JSON as the statement produces them
-- (issue 11 item 8), so a result past pg_durable.max_step_result_bytes (1MB in
-- regress.conf) is refused while it is read: the statement stops there and never
-- reaches its later rows. Errors raised while the rows stream keep their own messages.
SET ROLE regress_exec;
\set VERBOSITY terse

-- The cap is passed near row 9,000: the division by zero of row 20,000 is never reached
-- (a statement run to its end first would fail with "division by zero" instead). The
-- failure is the step's own (no SQLSTATE), as when the JSON was built after the statement.
SELECT df.start('SELECT g, repeat(''z'', 100) AS pad, CASE WHEN g = 20000 THEN 1 / (20000 - g) END AS boom '
                'FROM generate_series(1, 20000) g') AS id \gset
SELECT await_end(:'id');
SELECT result, status_details->'error'->>'sqlstate' AS sqlstate FROM df.nodes WHERE instance_id = :'id';

-- The statement's own error after some rows were received: the SQL error, SQLSTATE and all.
SELECT df.start('SELECT 10 / (3 - g) AS v FROM generate_series(1, 5) g') AS id \gset
SELECT await_end(:'id');
SELECT result, status_details->'error'->>'sqlstate' AS sqlstate FROM df.nodes WHERE instance_id = :'id';

-- A column type outside the supported list fails the step at its first row.
SELECT df.start('SELECT g, ''\x00''::bytea AS b FROM generate_series(1, 3) g') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';

-- Under the cap nothing changes: rows, row_count, and affected_rows for DML.
SELECT df.start('SELECT g, g::text AS t FROM generate_series(1, 3) g') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start('SELECT 1 AS x WHERE false') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
RESET ROLE;
