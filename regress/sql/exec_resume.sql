-- exec_resume: df.resume (issue 13). A failed instance runs on from the steps that failed:
-- the invoice step that failed on a missing table runs again once the table exists, the
-- steps that completed before keep their results and effects (nothing runs twice), the
-- instance is running again and the resume is recorded. Only the submitter (or a
-- superuser) may resume; failures that ran undo actions cannot be resumed.

CREATE TABLE invoice_log (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON invoice_log TO regress_exec;
-- df.resume's answer or error, with the instance id masked (ids are random).
CREATE FUNCTION try_resume(id text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text;
BEGIN
  RETURN replace(df.resume(id), id, '<id>');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN 'ERROR: ' || replace(msg || ' / ' || det, id, '<id>');
END $$;
GRANT EXECUTE ON FUNCTION try_resume(text) TO regress_exec;

SET ROLE regress_exec;
-- mark the invoice, then archive it into a table that does not exist yet, then finish
SELECT df.start(
  $$INSERT INTO invoice_log VALUES ('{sys_instance_id}', 'marked processing') RETURNING 42 AS invoice$$ |=> 'inv'
  ~> $$INSERT INTO invoice_archive VALUES ('{sys_instance_id}', $inv.invoice)$$
  ~> $$INSERT INTO invoice_log VALUES ('{sys_instance_id}', 'done ' || $inv.invoice)$$) AS id \gset
SELECT await_end(:'id');
SELECT try_resume(:'id');                      -- the table is still missing: it fails again
SELECT await_end(:'id');
SELECT step FROM invoice_log WHERE instance = :'id' ORDER BY at;
RESET ROLE;
CREATE TABLE invoice_archive (instance text, invoice int);
GRANT ALL ON invoice_archive TO regress_exec;
SET ROLE regress_exec;
SELECT try_resume(:'id');
SELECT await_end(:'id');
-- 'marked processing' once: the first step did not run again; the archive got the
-- first step's result
SELECT step FROM invoice_log WHERE instance = :'id' ORDER BY at;
SELECT invoice FROM invoice_archive WHERE instance = :'id';
SELECT node_type, status, count(*) FROM df.nodes WHERE instance_id = :'id' GROUP BY 1, 2 ORDER BY 1, 2;
-- a completed instance cannot be resumed
SELECT try_resume(:'id');                      -- expect: only a failed instance
RESET ROLE;
-- the history: two resumes, each after the error it continued from
SELECT resumed_by, previous_error FROM _duroxide.resumes WHERE instance_id = :'id' ORDER BY seq;
SELECT status FROM _duroxide.executions WHERE instance_id = :'id';

-- the textual language: a JOIN whose failed branch resumes; the finished branch is kept
SET ROLE regress_exec;
SELECT df.start(df.compile($$
  'INSERT INTO invoice_log VALUES (''{sys_instance_id}'', ''branch a'')'
  & ('INSERT INTO invoice_log VALUES (''{sys_instance_id}'', ''branch b'')' ~> 'SELECT * FROM invoice_late')
$$)) AS id2 \gset
SELECT await_end(:'id2');
RESET ROLE;
CREATE TABLE invoice_late (x int);
GRANT SELECT ON invoice_late TO regress_exec;
-- a superuser may resume it too; the steps still run as the submitter
SELECT try_resume(:'id2');
SELECT await_end(:'id2');
SELECT step FROM invoice_log WHERE instance = :'id2' ORDER BY step;
SELECT DISTINCT resumed_by FROM _duroxide.resumes WHERE instance_id = :'id2';

-- somebody else's instance is not visible, so it cannot be resumed
CREATE ROLE regress_resume_other LOGIN;
SELECT df.grant_usage('regress_resume_other');
SET ROLE regress_resume_other;
SELECT df.start('SELECT * FROM no_such_table_at_all') AS id3 \gset
SELECT await_end(:'id3');
SET ROLE regress_exec;
SELECT try_resume(:'id3');                     -- expect: not found or access denied
-- a failure that ran undo actions left no resume point: its completed steps were undone
SELECT df.start(df.with_undo($$INSERT INTO invoice_log VALUES ('{sys_instance_id}', 'forward')$$,
                             $$INSERT INTO invoice_log VALUES ('{sys_instance_id}', 'undone')$$)
                ~> 'SELECT 1/0') AS id4 \gset
SELECT await_end(:'id4');
SELECT try_resume(:'id4');                     -- expect: cannot be resumed
SELECT status FROM df.instances WHERE id = :'id4';
SELECT step FROM invoice_log WHERE instance = :'id4' ORDER BY at;
RESET ROLE;
