-- exec_flow: control flow — sequence, named results and substitution (§9), if and
-- truthiness (§10), if_rows, join, race, loop and break, sleep, signals (§7, §8).
SET ROLE regress_exec;

-- sequence: the result is the right side's; a named result feeds a later step, quoted
SELECT df.start(('SELECT 41 AS answer, ''it''''s'' AS word' |=> 'first')
                ~> 'SELECT $first + 1 AS next, $first.word AS word') AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- a result value can never inject SQL: it is substituted as a quoted literal
SELECT df.start(('SELECT ''x''''); DROP TABLE exec_effects; --'' AS evil' |=> 'r')
                ~> 'SELECT $r AS echoed') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT count(*) >= 0 AS exec_effects_still_there FROM exec_effects;

-- variables and system values
SELECT df.setvar('greeting', 'hello');
SELECT df.start('SELECT ''{greeting}'' AS g, ''{sys_instance_id}'' = ''{sys_instance_id}'' AS same, ''{sys_label}'' AS label', 'my-label') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.clearvars();

-- if: truthiness of the condition's first column
SELECT df.start(df.if('SELECT 0', 'SELECT ''then'' AS arm', 'SELECT ''else'' AS arm')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start('SELECT ''yes''' ?> 'SELECT ''then'' AS arm' !> 'SELECT ''else'' AS arm') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start(df.if('SELECT 1 WHERE false', 'SELECT ''then'' AS arm', 'SELECT ''else'' AS arm')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- if_rows on a named result
SELECT df.start(('SELECT 1 AS x WHERE false' |=> 'empty') ~> df.if_rows('empty', 'SELECT ''rows''', 'SELECT ''none'' AS v')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start(df.if_rows('missing', 'SELECT 1', 'SELECT 2')) AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id' AND node_type = 'IF';

-- join: an array of the branch results, in branch order; named results merged
SELECT df.start(('SELECT 1 AS a' |=> 'x') & ('SELECT 2 AS b' |=> 'y')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start(df.join3('SELECT 1 AS a', 'SELECT 2 AS b', 'SELECT 3 AS c') ~> 'SELECT 4 AS d') AS id \gset
SELECT await_end(:'id'), df.result(:'id');
-- a failing branch fails the join, after every branch ran
SELECT df.start(df.join('INSERT INTO exec_effects SELECT ''{sys_instance_id}'', ''ok'' FROM pg_sleep(0.2)', 'SELECT 1/0')) AS id \gset
SELECT await_end(:'id');
SELECT result FROM df.nodes WHERE instance_id = :'id' AND node_type = 'JOIN';
SELECT count(*) AS other_branch_effects FROM exec_effects WHERE instance = :'id';

-- race: the first to finish decides; the loser's effects are rolled back
SELECT df.start(df.race('SELECT ''fast'' AS w',
                        'INSERT INTO exec_effects SELECT ''{sys_instance_id}'', ''slow'' FROM pg_sleep(2) RETURNING step')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT wait_until(format('instance_idle(%L)', :'id')) AS idle;
SELECT count(*) AS loser_effects FROM exec_effects WHERE instance = :'id';

-- loop with break: the break value is the loop's result
SELECT df.start(df.loop('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''tick'')'
                ~> df.if('SELECT count(*) >= 3 FROM exec_effects WHERE instance = ''{sys_instance_id}''', df.break('done'), 'SELECT 1'))) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
SELECT count(*) AS iterations FROM exec_effects WHERE instance = :'id';
-- do-while loop: exits on a falsy condition with the last body result
SELECT df.start(df.loop('INSERT INTO exec_effects VALUES (''{sys_instance_id}'', ''w'') RETURNING step',
                        'SELECT count(*) < 2 FROM exec_effects WHERE instance = ''{sys_instance_id}''')) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
-- break outside any loop fails the instance
SELECT df.start('SELECT 1' ~> df.break()) AS id \gset
SELECT await_end(:'id');
SELECT node_type, status, result FROM df.nodes WHERE instance_id = :'id' AND node_type = 'THEN';

-- sleep: a durable timer
SELECT df.start(df.sleep(1)) AS id \gset
SELECT await_end(:'id'), df.result(:'id');

-- signals: delivered with data; buffered when sent before the wait; timeouts
SELECT df.start(df.wait_for_signal('go') |=> 'sig') AS id \gset
SELECT wait_until(format('EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = %L AND status = ''running'')', :'id'));
SELECT df.signal(:'id', 'go', '{"n": 1}');
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start('SELECT pg_sleep(0.5)' ~> df.wait_for_signal('early')) AS id \gset
SELECT df.signal(:'id', 'early', 'plain text');
SELECT await_end(:'id'), df.result(:'id');
SELECT df.start(df.wait_for_signal('never', 1)) AS id \gset
SELECT await_end(:'id'), df.result(:'id');
RESET ROLE;
