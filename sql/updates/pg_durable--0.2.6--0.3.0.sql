-- pg_durable--0.2.6--0.3.0.sql — upgrades an installed 0.2.6 to the 0.3.0 schema.

-- exec (issue 10): executors are bound to one role; runnable tasks are queued per role.
ALTER TABLE _duroxide.tasks ADD COLUMN submitted_by oid;
UPDATE _duroxide.tasks t SET submitted_by = s.submitted_by
  FROM _duroxide.instance_state s WHERE s.instance_id = t.instance_id;
DELETE FROM _duroxide.tasks WHERE submitted_by IS NULL;  -- orphans: no instance to run for
ALTER TABLE _duroxide.tasks ALTER COLUMN submitted_by SET NOT NULL;
DROP INDEX _duroxide.tasks_runnable;
CREATE INDEX tasks_runnable_by_role ON _duroxide.tasks (submitted_by, created_at) WHERE kind <> 'timer';
