-- exec_substitution: a value from a signal or an earlier step never changes the structure
-- of the statement it is substituted into (issue 11 item 4; rule in vm/sql_slots.hpp).
CREATE TABLE victim (id int PRIMARY KEY, bal numeric);
INSERT INTO victim VALUES (1, 100), (2, 100), (3, 100);
GRANT ALL ON victim TO regress_exec;
SET ROLE regress_exec;

-- the reported attack: signal data -5 after '-' used to become 1000--5 (a comment: every row)
SELECT df.start(df.as(df.wait_for_signal('sig'), 'sig')
  ~> 'UPDATE victim SET bal = 1000-$sig.data WHERE id = 1') AS id \gset
SELECT df.signal(:'id', 'sig', '-5');
SELECT await_end(:'id');
SELECT * FROM victim ORDER BY id;

-- a string value written inside a template string stays that string's content
SELECT df.start(df.as('SELECT $v$''; UPDATE victim SET bal = 0; --$v$ AS t', 'prev')
  ~> 'SELECT ''got: $prev'' AS echoed') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT * FROM victim ORDER BY id;

-- a value holding the closing delimiter of a dollar-quoted body is refused
SELECT df.start(df.as('SELECT $v$$$; UPDATE victim SET bal = 0; --$v$ AS t', 'prev')
  ~> 'DO $$ BEGIN PERFORM $prev; END $$') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id' AND status = 'failed' AND node_type = 'SQL';

-- comments keep the reference as written, even when its value would end the comment
SELECT df.start(df.as('SELECT E''x\n UPDATE victim SET bal = 0'' AS t', 'prev')
  ~> 'SELECT 1 AS one -- $prev') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT * FROM victim ORDER BY id;

-- a value is never a name
SELECT df.start(df.as('SELECT 1 AS t', 'prev') ~> 'SELECT 1 AS "col$prev"') AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id' AND status = 'failed' AND node_type = 'SQL';
RESET ROLE;
DROP TABLE victim;
