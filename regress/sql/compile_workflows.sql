-- compile_workflows: df.compile (textual language -> wire JSON, diagnostics as one
-- 42601 error with line:col details), df.deploy versions, df.start_workflow with
-- parameter binding, and which version each instance runs.
SELECT df.compile($$'SELECT 1' ~> 'SELECT 2'$$) = ('SELECT 1' ~> 'SELECT 2') AS same_as_dsl;
SELECT df.compile($$workflow only(n int = 1) { 'SELECT {n}' |=> 'x' }$$);
\set VERBOSITY default
SELECT df.compile($$'SELECT 1' ~> $$);          -- expect: syntax error, 42601, detail with line:col
SELECT df.compile($$workflow a() { 'x' } workflow b() { 'y' }$$);  -- expect: defines 2 workflows
SELECT df.compile($$-- nothing$$);               -- expect: empty workflow file ...
\set VERBOSITY terse
DO $$ BEGIN PERFORM df.compile($d$ 'a' ~> 'b' & 'c' $d$);
EXCEPTION WHEN syntax_error THEN RAISE NOTICE 'sqlstate 42601: %', SQLERRM; END $$;

SET ROLE regress_alice;
SELECT * FROM df.deploy('nightly', $$workflow nightly(days int = 7, region text = 'eu''west') {
  'SELECT {days} AS d, ''{region}'' AS r' |=> 'cfg'
  ~> df.wait_for_signal('go')
}$$);
SELECT * FROM df.deploy('nightly', $$workflow nightly(days int = 7, region text = 'eu''west') {
  'SELECT {days} AS d' ~> df.wait_for_signal('go2')
}$$);
SELECT * FROM df.deploy('bare_one', $$'SELECT 42'$$);
SELECT * FROM df.deploy('missing', $$workflow other() { 'x' }$$);   -- expect: does not define workflow "missing"
SELECT name, version, params, graph LIKE '%go2%' AS is_v2 FROM df.workflows ORDER BY name, version;

-- start the latest version; parameters are checked and become variables
SELECT df.start_workflow('nightly', '{"days": 3}', 'wf run') AS wf_id \gset
SELECT version, status IN ('pending', 'running') AS live FROM df.workflow_instances('nightly');
SELECT df.start_workflow('nightly', '{"days": "three"}');    -- expect: parameter "days" must be of type int
SELECT df.start_workflow('nightly', '{"weeks": 1}');        -- expect: has no parameter "weeks"
SELECT df.start_workflow('nightly', '[1]');                 -- expect: workflow parameters must be a JSON object
SELECT df.start_workflow('nope');                           -- expect: workflow "nope" does not exist
SELECT df.start_workflow(NULL) IS NULL AS null_name;
SELECT replace(df.cancel(:'wf_id'), :'wf_id', '<id>');
RESET ROLE;
