-- exec_undo: compensation (issue 13). df.with_undo(forward, undo) and `forward <-> undo` in
-- the textual language build the same UNDO node; when a later step of the failing scope
-- fails, the undo actions of the completed forward steps run newest first, then the
-- failure goes on to the handler or fails the instance. A money-transfer saga whose last
-- step fails leaves the accounts as they were.

CREATE TABLE accounts (name text PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0));
INSERT INTO accounts VALUES ('alice', 100), ('bob', 50);
GRANT ALL ON accounts TO regress_exec;

-- constructor, strictness, explain; the language operator is the same node and binds
-- tighter than every other operator
SELECT df.with_undo('SELECT 1', 'SELECT 2');
SELECT df.with_undo(NULL, 'SELECT 2') IS NULL AS strict;
SELECT df.compile($$'SELECT 1' <-> 'SELECT 2'$$) = df.with_undo('SELECT 1', 'SELECT 2') AS same_as_sql;
SELECT df.compile($$'SELECT 1' <-> 'SELECT 2' ~> 'SELECT 3' <-> 'SELECT 4'$$)
       = df.seq(df.with_undo('SELECT 1', 'SELECT 2'), df.with_undo('SELECT 3', 'SELECT 4')) AS tighter_than_seq;
SELECT df.compile($$@> 'SELECT 1' <-> 'SELECT 2'$$) = df.loop(df.with_undo('SELECT 1', 'SELECT 2')) AS tighter_than_loop;
SELECT df.compile($$'SELECT 1' <->$$);                            -- expect: syntax error
SELECT df.explain(df.with_undo('SELECT 1', 'SELECT 2'));
-- no SQL operator <-> on text: pg_trgm's distance operator keeps its name
SELECT count(*) AS text_undo_operators FROM pg_operator
 WHERE oprname = '<->' AND oprleft = 'text'::regtype AND oprright = 'text'::regtype;

SET ROLE regress_exec;

-- the saga (SQL DSL): debit, credit, then a failing fee step; both undo actions run,
-- newest first, and the instance fails with the fee step's error
SELECT df.start(
  df.with_undo($$UPDATE accounts SET balance = balance - 30 WHERE name = 'alice'$$,
               $$UPDATE accounts SET balance = balance + 30 WHERE name = 'alice'$$)
  ~> df.with_undo($$WITH u AS (UPDATE accounts SET balance = balance + 30 WHERE name = 'bob' RETURNING 1)
                    INSERT INTO exec_effects SELECT '{sys_instance_id}', 'credited bob' FROM u$$,
                  $$WITH u AS (UPDATE accounts SET balance = balance - 30 WHERE name = 'bob' RETURNING 1)
                    INSERT INTO exec_effects SELECT '{sys_instance_id}', 'undid bob' FROM u$$)
  ~> $$INSERT INTO exec_effects SELECT '{sys_instance_id}', 'fee' WHERE 1/0 = 1$$) AS id \gset
SELECT await_end(:'id');
SELECT * FROM accounts ORDER BY name;
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;
SELECT output FROM df.instance_info(:'id');
SELECT node_type, status, count(*) FROM df.nodes WHERE instance_id = :'id' GROUP BY 1, 2 ORDER BY 1, 2;

-- the same saga from the textual language, caught: the handler runs after the undo actions
SELECT df.start(df.compile($$try {
    'UPDATE accounts SET balance = balance - 70 WHERE name = ''alice''' <->
      'UPDATE accounts SET balance = balance + 70 WHERE name = ''alice'''
    ~> 'UPDATE accounts SET balance = balance + 70 WHERE name = ''bob''' <->
      'UPDATE accounts SET balance = balance - 70 WHERE name = ''bob'''
    ~> 'UPDATE accounts SET balance = balance - 1000 WHERE name = ''alice'''
  } catch (err) {
    'INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''handled '' || $err.sqlstate)'
  }$$)) AS id \gset
SELECT await_end(:'id');
SELECT * FROM accounts ORDER BY name;
SELECT step FROM exec_effects WHERE instance = :'id';

-- nothing fails: nothing is undone
SELECT df.start(df.with_undo($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'done')$$,
                             $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'undone')$$)
                ~> 'SELECT 1') AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id';

-- an undo action that fails: the older ones are skipped, the error names both
SELECT df.start(
  df.with_undo($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'a')$$,
               $$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'undid a')$$)
  ~> df.with_undo($$INSERT INTO exec_effects VALUES ('{sys_instance_id}', 'b')$$, 'SELECT * FROM no_such_table')
  ~> 'SELECT 1/0') AS id \gset
SELECT await_end(:'id');
SELECT step FROM exec_effects WHERE instance = :'id' ORDER BY at;
SELECT df.result(:'id') IS NULL AS no_result, (SELECT status FROM df.instances WHERE id = :'id');
SELECT status, output FROM df.instance_info(:'id');
RESET ROLE;
