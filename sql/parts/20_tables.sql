-- Catalog tables of the SQL surface (docs/reference.md §5): instances, their nodes in the
-- persisted form of §2, and per-role variables. Every CHECK is NOT VALID (it binds new
-- rows only), and RLS (enabled, not forced) confines each role to its own rows. No privilege is granted to PUBLIC: df.grant_usage hands out the
-- df.start-shaped column grants.

CREATE TABLE df.instances (
  id varchar(8) PRIMARY KEY,
  label text,
  root_node varchar(8) NOT NULL,
  status text DEFAULT 'pending',
  submitted_by regrole NOT NULL,
  database text,
  created_at timestamptz DEFAULT clock_timestamp(),  -- when df.start ran, not its transaction began
  updated_at timestamptz DEFAULT clock_timestamp(),
  completed_at timestamptz,
  -- df.fork: the instance this one was forked from and the node it ran on from (NULL when
  -- df.start made it); written by the engine only
  forked_from varchar(8),
  forked_from_node varchar(8)
);

CREATE TABLE df.nodes (
  id varchar(8) NOT NULL,
  instance_id varchar(8) NOT NULL,
  node_type text NOT NULL,
  query text,
  result_name text,
  left_node varchar(8),
  right_node varchar(8),
  status text DEFAULT 'pending',
  result jsonb,
  error text,
  submitted_by regrole,
  database text,
  created_at timestamptz DEFAULT clock_timestamp(),
  updated_at timestamptz DEFAULT clock_timestamp(),
  status_details jsonb,
  -- Observability (issue 15, ext/engine/step_record.hpp): the clock times the node's current run
  -- really started and finished (a SQL or HTTP step: its statement or request, first
  -- attempt to last), and the step's attempts, newest last, for df.step_runs.
  started_at timestamptz,
  finished_at timestamptz,
  runs jsonb,
  PRIMARY KEY (instance_id, id)
) WITH (fillfactor = 50);  -- room for the stamps' new row versions on the row's own page (HOT)

CREATE TABLE df.vars (
  name text NOT NULL,
  value text,
  owner regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  PRIMARY KEY (owner, name)
);

ALTER TABLE df.instances
  ADD CONSTRAINT instances_id_format_chk CHECK (id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT instances_root_node_format_chk CHECK (root_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT instances_status_chk
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'paused')) NOT VALID,
  ADD CONSTRAINT instances_identity_key UNIQUE (id, submitted_by);

ALTER TABLE df.nodes
  ADD CONSTRAINT nodes_instance_id_present_chk CHECK (instance_id IS NOT NULL) NOT VALID,
  ADD CONSTRAINT nodes_submitted_by_present_chk CHECK (submitted_by IS NOT NULL) NOT VALID,
  ADD CONSTRAINT nodes_id_format_chk CHECK (id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_instance_id_format_chk CHECK (instance_id ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_left_node_format_chk
    CHECK (left_node IS NULL OR left_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_right_node_format_chk
    CHECK (right_node IS NULL OR right_node ~ '^[0-9a-f]{8}$') NOT VALID,
  ADD CONSTRAINT nodes_node_type_chk
    CHECK (node_type IN ('SQL', 'THEN', 'IF', 'JOIN', 'LOOP', 'BREAK', 'RACE', 'SLEEP',
                         'WAIT_SCHEDULE', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL',
                         'RETRY', 'CATCH', 'UNDO', 'TIMEOUT')) NOT VALID,
  ADD CONSTRAINT nodes_result_name_chk
    CHECK (result_name IS NULL OR result_name ~ '^[A-Za-z_][A-Za-z0-9_]*$') NOT VALID,
  ADD CONSTRAINT nodes_status_chk
    CHECK (status IN ('pending', 'running', 'completed', 'failed')) NOT VALID,
  ADD CONSTRAINT nodes_result_status_chk
    CHECK (result IS NULL OR status IN ('completed', 'failed')) NOT VALID,
  ADD CONSTRAINT nodes_structure_chk CHECK (
    CASE
      WHEN node_type IN ('SQL', 'SLEEP', 'WAIT_SCHEDULE', 'BREAK', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL')
        THEN left_node IS NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'THEN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type = 'IF'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      WHEN node_type = 'LOOP'
        THEN left_node IS NOT NULL AND right_node IS NULL
      WHEN node_type = 'JOIN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL
      WHEN node_type IN ('RACE', 'UNDO')
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type IN ('RETRY', 'TIMEOUT')
        THEN left_node IS NOT NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'CATCH'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      ELSE false
    END) NOT VALID;

-- No foreign keys between df.nodes and df.instances (0.2.6 had four, issue 12): their
-- checks ran one locking read per node row at every df.start's commit (37 for a 10-step
-- graph) and a row lock in the WAL each. The engine's own rules give what they checked
-- (docs/design.md "Node rows"): df.start writes an instance and all its node rows in one
-- transaction, from the validated graph; the engine executes the frozen graph in
-- _duroxide.instance_state, never df.nodes; retention deletes an instance's nodes with it.

CREATE INDEX idx_instances_status ON df.instances (status, created_at DESC, id);
CREATE INDEX idx_instances_created_at ON df.instances (created_at DESC, id);
CREATE INDEX idx_instances_label ON df.instances (label, created_at DESC, id)
  WHERE label IS NOT NULL;
-- No index on df.nodes (instance_id) alone (0.2.6 had idx_nodes_instance): the primary key
-- (instance_id, id) serves every lookup by instance, and the second index cost an insert
-- per node row at df.start and per stamp that leaves its page (issue 12).

-- quote_ident(): a mixed-case or quoted role name must resolve to itself.
ALTER TABLE df.instances ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.vars ENABLE ROW LEVEL SECURITY;
CREATE POLICY instances_user_isolation ON df.instances FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
CREATE POLICY nodes_user_isolation ON df.nodes FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
CREATE POLICY vars_user_isolation ON df.vars FOR ALL
  USING (owner = quote_ident(current_user)::regrole)
  WITH CHECK (owner = quote_ident(current_user)::regrole);

REVOKE ALL ON df.instances, df.nodes, df.vars FROM PUBLIC;

-- Workflows as code (README "Workflows as code"): df.deploy stores each workflow of a
-- source as a new version; instances started from one record which version they run.
CREATE TABLE df.workflows (
  name text NOT NULL,
  version integer NOT NULL,
  source text NOT NULL,
  graph text NOT NULL,
  params jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  PRIMARY KEY (name, version),
  CONSTRAINT workflows_version_positive_chk CHECK (version >= 1),
  CONSTRAINT workflows_name_chk CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]*$')
);

CREATE TABLE df.workflow_runs (
  instance_id varchar(8) PRIMARY KEY REFERENCES df.instances (id) ON DELETE CASCADE
    DEFERRABLE INITIALLY DEFERRED,
  workflow_name text NOT NULL,
  workflow_version integer NOT NULL,
  submitted_by regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  FOREIGN KEY (workflow_name, workflow_version) REFERENCES df.workflows (name, version)
);
ALTER TABLE df.workflow_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY workflow_runs_user_isolation ON df.workflow_runs FOR ALL
  USING (submitted_by = quote_ident(current_user)::regrole)
  WITH CHECK (submitted_by = quote_ident(current_user)::regrole);
REVOKE ALL ON df.workflows, df.workflow_runs FROM PUBLIC;

-- A workflow name belongs to the role that first deployed it; its owner lets other roles
-- start it or deploy new versions of it (df.grant_workflow, sql/parts/75_workflows.sql).
CREATE TABLE df.workflow_owners (
  name text PRIMARY KEY,
  owner regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE df.workflow_grants (
  name text NOT NULL REFERENCES df.workflow_owners (name) ON DELETE CASCADE,
  grantee regrole NOT NULL,
  privilege text NOT NULL CHECK (privilege IN ('start', 'deploy')),
  PRIMARY KEY (name, grantee, privilege)
);
ALTER TABLE df.workflow_owners ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.workflow_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE df.workflows ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON df.workflow_owners, df.workflow_grants FROM PUBLIC;
