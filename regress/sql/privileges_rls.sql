-- privileges_rls: the security model of docs/reference.md §15 — the schema gate, the
-- df.start-shaped column grants, RLS isolation between two roles, the PUBLIC EXECUTE
-- revokes, and df.grant_usage / df.revoke_usage.
CREATE ROLE regress_bob LOGIN;
CREATE ROLE "Regress Mixed" LOGIN;
SELECT df.grant_usage('regress_bob');
SELECT df.grant_usage('Regress Mixed');
SELECT df.grant_usage('regress_no_such_role');  -- expect: role "regress_no_such_role" does not exist
SELECT df.grant_usage('public');
SELECT df.revoke_usage('public');

-- no PUBLIC privileges on tables; sensitive functions lost PUBLIC EXECUTE
SELECT relname, relacl::text LIKE '%=%/%' AND relacl::text !~ '(^|[{,])=' AS no_public_grant
  FROM pg_class WHERE relnamespace = 'df'::regnamespace AND relkind = 'r' ORDER BY relname;
SELECT p.oid::regprocedure, has_function_privilege('regress_bob', p.oid, 'EXECUTE') AS bob_can_execute
  FROM pg_proc p WHERE p.oid IN ('df.http(text,text,text,jsonb,integer)'::regprocedure,
    'df.http_multipart(text,text,jsonb,jsonb,integer)'::regprocedure, 'df.metrics()'::regprocedure,
    'df.grant_usage(text,boolean,boolean)'::regprocedure, 'df.revoke_usage(text)'::regprocedure)
  ORDER BY 1::text;

-- alice (set up by control_start) and bob are isolated
SET ROLE regress_alice;
SELECT df.start('SELECT 1', 'alice private') AS alice_id \gset
SELECT df.setvar('secret', 'alice');
RESET ROLE;
SET ROLE regress_bob;
SELECT df.status(:'alice_id') IS NULL AS invisible_status;
SELECT count(*) AS visible_rows FROM df.instances WHERE id = :'alice_id';
SELECT count(*) AS visible_nodes FROM df.nodes WHERE instance_id = :'alice_id';
SELECT count(*) AS listed FROM df.list_instances() WHERE instance_id = :'alice_id';
SELECT count(*) AS node_rows FROM df.instance_nodes(:'alice_id');
SELECT show_error(format('SELECT df.signal(%L, %L)', :'alice_id', 'go'), :'alice_id');
SELECT show_error(format('SELECT df.cancel(%L)', :'alice_id'), :'alice_id');
SELECT df.getvar('secret') IS NULL AS no_foreign_vars;
SELECT count(*) AS summaries FROM _duroxide.instance_summaries(ARRAY[:'alice_id']);
-- forging rows as another role or writing engine columns is refused
SELECT show_error(format($$INSERT INTO df.instances (id, root_node, submitted_by) VALUES ('abcdef01', 'abcdef02', 'regress_alice')$$));
SELECT show_error($$INSERT INTO df.instances (id, root_node, submitted_by, status) VALUES ('abcdef01', 'abcdef02', 'regress_bob', 'completed')$$);
SELECT show_error($$DELETE FROM df.instances$$);
SELECT show_error($$UPDATE df.instances SET submitted_by = 'regress_bob'$$);
-- bob's own start works; he may update his own status column
SELECT df.start('SELECT 1', 'bob') AS bob_id \gset
UPDATE df.instances SET status = 'failed', updated_at = now() WHERE id = :'bob_id';
SELECT df.status(:'bob_id');
RESET ROLE;

-- quoted, mixed-case role names resolve through quote_ident()
SET ROLE "Regress Mixed";
SELECT df.setvar('k', 'v');
SELECT df.getvar('k'), (SELECT owner FROM df.vars WHERE name = 'k') AS owner;
SELECT df.start('SELECT 1') ~ '^[0-9a-f]{8}$' AS mixed_case_start;
RESET ROLE;

-- variables: upsert, get, unset, clear, and the workflow guards
SET ROLE regress_bob;
SELECT df.setvar('a', '1'), df.setvar('a', '2'), df.getvar('a');
SELECT df.unsetvar('a'), df.getvar('a') IS NULL AS gone;
SELECT df.setvar('b', '1'), df.clearvars(), (SELECT count(*) FROM df.vars) AS left_over;
SET df.in_workflow = 'true';
SELECT df.setvar('a', '1');     -- expect: df.setvar() cannot be called inside a workflow - ...
SELECT df.unsetvar('a');        -- expect: df.unsetvar() cannot be called inside a workflow - ...
SELECT df.clearvars();          -- expect: df.clearvars() cannot be called inside a workflow - ...
SELECT df.getvar('a') IS NULL AS getvar_allowed;
RESET df.in_workflow;
RESET ROLE;

-- revoke_usage closes the schema gate
SELECT df.revoke_usage('regress_bob');
SET ROLE regress_bob;
SELECT df.status('ffffffff');   -- expect: permission denied for schema df
RESET ROLE;
-- with_grant lets an admin hand out usage
CREATE ROLE regress_admin LOGIN;
CREATE ROLE regress_carol LOGIN;
SELECT df.grant_usage('regress_admin', with_grant => true);
SET ROLE regress_admin;
SELECT df.grant_usage('regress_carol');
SELECT df.grant_usage('regress_carol', include_http => true);  -- expect: permission denied for function http
RESET ROLE;
SELECT has_schema_privilege('regress_carol', 'df', 'USAGE') AS carol_has_usage;
