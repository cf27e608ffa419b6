-- workflow_versions: redeploying the same workflow is a no-op that says so, a chosen
-- version can be started, df.workflow_diff says what changed, and a running instance
-- keeps the version it started with.
SET ROLE regress_alice;
SELECT * FROM df.deploy('approve', $$workflow approve(id int, who text = 'finance') {
  ('SELECT {id} AS id' |=> 'inv') ~> df.wait_for_signal('ok', timeout_seconds => 300)
}$$);
-- the same source again, and the same workflow reformatted with a comment: no new version
SELECT * FROM df.deploy('approve', $$workflow approve(id int, who text = 'finance') {
  ('SELECT {id} AS id' |=> 'inv') ~> df.wait_for_signal('ok', timeout_seconds => 300)
}$$);
SELECT * FROM df.deploy('approve', $$-- approval, reformatted
workflow approve(id int, who text = 'finance') { ('SELECT {id} AS id' |=> 'inv')
  ~> df.wait_for_signal('ok', timeout_seconds => 300) }$$);
SELECT count(*) AS versions FROM df.workflows WHERE name = 'approve';

-- version 1 starts and waits; version 2 changes the timeout and drops a parameter
SELECT df.start_workflow('approve', '{"id": 7}') AS v1_id \gset
SELECT * FROM df.deploy('approve', $$workflow approve(id int) {
  ('SELECT {id} AS id' |=> 'inv') ~> df.wait_for_signal('ok', timeout_seconds => 3600)
}$$);
SELECT df.workflow_diff('approve', 1, 2);
SELECT df.workflow_diff('approve', 2, 2) = '' AS no_change;
SELECT df.workflow_diff('approve', 1, 9);                  -- expect: has no version 9
SELECT df.workflow_diff('nope', 1, 2);                     -- expect: has no version 1

-- starting: the latest by default, or the version asked for; unknown versions are errors
SELECT df.start_workflow('approve', '{"id": 8}') AS v2_id \gset
SELECT df.start_workflow('approve', '{"id": 9, "who": "ops"}', NULL, 1) AS v1b_id \gset
SELECT df.start_workflow('approve', '{"id": 9, "who": "ops"}');  -- expect: v2 has no parameter "who"
SELECT df.start_workflow('approve', '{"id": 9}', NULL, 5);       -- expect: has no version 5
SELECT df.start_workflow('nope', '{}', NULL, 1);                 -- expect: does not exist

-- each instance runs (and keeps) the graph of its version
SELECT r.workflow_version, n.query AS signal_step
FROM df.workflow_runs r JOIN df.nodes n ON n.instance_id = r.instance_id AND n.node_type = 'SIGNAL'
WHERE r.workflow_name = 'approve'
ORDER BY r.instance_id = :'v1_id' DESC, r.instance_id = :'v2_id' DESC;
SELECT replace(df.cancel(:'v1_id'), :'v1_id', '<id>'), replace(df.cancel(:'v2_id'), :'v2_id', '<id>'),
       replace(df.cancel(:'v1b_id'), :'v1b_id', '<id>');


-- a step whose SQL does not parse is refused by df.compile and df.deploy (the server's
-- grammar), at its line:column in the source; placeholders parse as the values put there
\set VERBOSITY default
SELECT df.compile($$'SELECT 1'
  ~> 'UPDATE t SET a = {a} WHERE id = $r.id;
      SELEC 1 FROM t'$$);
SELECT * FROM df.deploy('bad_sql', $$workflow bad_sql() { 'SELECT 1 FROM' }$$);
-- ... wherever the step stands: in a CATCH's handler, an UNDO's undo action, a TIMEOUT
SELECT df.compile($$try { 'SELECT 1' } catch (e) { 'SELECT $e.message' <-> timeout('SELEC 2', 5) }$$);
\set VERBOSITY terse
SELECT count(*) AS bad_sql_versions FROM df.workflows WHERE name = 'bad_sql';
SELECT df.compile($$('SELECT 1 AS id' |=> 'r') ~> 'UPDATE t SET a = ''{a}'' WHERE id = $r.id? AND b IN (SELECT * FROM $r.*)'$$) IS NOT NULL AS placeholders_parse;
-- a {var} is text inserted as written: in a keyword position (ORDER BY id {dir}) it parses;
-- a $result inside a quoted identifier would fail the step, so compile refuses it there
SELECT df.compile($$workflow w(dir text = 'ASC') { 'SELECT * FROM pg_class ORDER BY oid {dir}' }$$) IS NOT NULL AS keyword_var_parses;
SELECT df.compile($$('SELECT 1' |=> 'r') ~> 'SELECT 1 AS "col_$r"'$$);
RESET ROLE;
