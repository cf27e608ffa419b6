-- exec_sql: SQL steps — the result format of docs/reference.md §8.1, failures, one statement
-- per step.
SET ROLE regress_exec;

-- every supported column type
SELECT df.start($$SELECT true AS b, 1::int2 AS i2, 2 AS i4, 3::int8 AS i8, 3.14::float4 AS f4,
  2.5::float8 AS f8, 1::float8 AS whole, 'nan'::float8 AS nan, 'x'::text AS t, 'y'::varchar AS v,
  'z'::char(2) AS c, 'n'::name AS nm, 123456.78900000::numeric AS num,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
  '2024-06-15 12:30:00+00'::timestamptz AS tz, '2024-06-15 12:30:00.5'::timestamp AS ts,
  '2024-06-15'::date AS d, '{"k": [1, 2]}'::jsonb AS jb, '{"a":1}'::json AS j, NULL::int AS nul$$) AS id \gset
SELECT await_end(:'id');
SELECT df.result(:'id');

-- rows and row_count; INSERT without RETURNING returns no rows
SELECT df.start('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''insert'')') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT count(*) FROM exec_effects WHERE instance = :'id';
SELECT df.start('SELECT g AS n FROM generate_series(1, 3) g') AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- duplicate column names: the later value wins, at the position of the first
SELECT df.start('SELECT 1 AS a, 2 AS b, 3 AS a') AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- an unsupported column type fails the node with the documented text
SELECT df.start('SELECT ''\x01''::bytea AS raw') AS id \gset
SELECT await_end(:'id');
SELECT status, result FROM df.nodes WHERE instance_id = :'id';
SELECT df.result(:'id') IS NULL AS no_result_when_failed;

-- a failing statement fails the node and the instance with the database's message
SELECT df.start('SELECT 1/0') AS id \gset
SELECT await_end(:'id');
SELECT status, result FROM df.nodes WHERE instance_id = :'id';

-- one statement per step
SELECT df.start('SELECT 1; SELECT 2') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id';

-- a failed step leaves no effect behind
SELECT df.start('INSERT INTO exec_effects SELECT ''{sys_instance_id}'', ''partial'' FROM generate_series(1, 2) g WHERE 1 / (2 - g) > 0') AS id \gset
SELECT await_end(:'id');
SELECT count(*) AS effects_of_failed_step FROM exec_effects WHERE instance = :'id';
RESET ROLE;
