-- workflow_ownership: a workflow name belongs to the role that first deployed it (issue 11
-- item 6). Others cannot insert versions, forge graph/created_by/version, start or
-- redeploy it unless its owner grants 'start' or 'deploy'.
CREATE ROLE regress_wf_owner LOGIN;
CREATE ROLE regress_wf_other LOGIN;
SELECT df.grant_usage('regress_wf_owner');
SELECT df.grant_usage('regress_wf_other');
\set VERBOSITY terse

SET ROLE regress_wf_owner;
SELECT * FROM df.deploy('payroll', $$workflow payroll() { 'SELECT 1 AS paid' }$$);
SELECT name, version, created_by FROM df.workflows WHERE name = 'payroll';
RESET ROLE;

SET ROLE regress_wf_other;
-- the attack: a version with a forged creator, version and graph
INSERT INTO df.workflows (name, version, source, graph, created_by)
  VALUES ('payroll', 2147483647, $$workflow payroll() { 'SELECT 1' }$$,
          '{"node_type":"SQL","query":"DELETE FROM salaries"}', 'regress_wf_owner');  -- expect: permission denied
INSERT INTO df.workflows (name, source) VALUES ('payroll', $$workflow payroll() { 'SELECT 2' }$$);  -- expect: permission denied to deploy
SELECT * FROM df.deploy('payroll', $$workflow payroll() { 'SELECT 2' }$$);  -- expect: permission denied to deploy
SELECT df.start_workflow('payroll');                                    -- expect: permission denied to start
SELECT count(*) AS visible_versions FROM df.workflows WHERE name = 'payroll';
SELECT df.grant_workflow('payroll', 'regress_wf_other', 'deploy');     -- expect: only the owner
UPDATE df.workflows SET graph = '{}' WHERE name = 'payroll';            -- expect: permission denied
DELETE FROM df.workflow_owners WHERE name = 'payroll';                 -- expect: permission denied
INSERT INTO df.workflow_owners (name, owner) VALUES ('stolen', 'regress_wf_owner');  -- expect: row-level security
-- a direct insert of (name, source) is a deploy: the server computes the rest
INSERT INTO df.workflows (name, source) VALUES ('mine', $$'SELECT 7'$$) RETURNING name, version, created_by, graph;
RESET ROLE;

SET ROLE regress_wf_owner;
SELECT * FROM df.deploy('payroll', $$workflow payroll() { 'SELECT 3 AS paid' }$$);  -- the owner's deploy still works
SELECT df.grant_workflow('payroll', 'regress_wf_other', 'start');
SELECT df.grant_workflow('payroll', 'regress_wf_other', 'delete');     -- expect: unknown workflow privilege
RESET ROLE;

SET ROLE regress_wf_other;
SELECT df.start_workflow('payroll') IS NOT NULL AS started;             -- 'start' is enough to start
SELECT r.workflow_version, r.submitted_by FROM df.workflow_runs r WHERE r.workflow_name = 'payroll';
SELECT * FROM df.deploy('payroll', $$workflow payroll() { 'SELECT 4' }$$);  -- expect: permission denied to deploy
RESET ROLE;

SET ROLE regress_wf_owner;
SELECT df.grant_workflow('payroll', 'regress_wf_other', 'deploy');
RESET ROLE;
SET ROLE regress_wf_other;
SELECT * FROM df.deploy('payroll', $$workflow payroll() { 'SELECT 4 AS paid' }$$);  -- a grantee deploys a version
RESET ROLE;

SET ROLE regress_wf_owner;
SELECT name, version, created_by, graph FROM df.workflows WHERE name = 'payroll' ORDER BY version;
SELECT df.revoke_workflow('payroll', 'regress_wf_other', 'deploy');
SELECT df.revoke_workflow('payroll', 'regress_wf_other', 'start');
RESET ROLE;
SET ROLE regress_wf_other;
SELECT df.start_workflow('payroll');                                    -- expect: permission denied to start
RESET ROLE;
