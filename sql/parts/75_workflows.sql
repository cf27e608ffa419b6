-- Workflows as code (README "Workflows as code"): the textual language compiled in the
-- database (ext/surface/compile_function.cpp). df.deploy stores versions in df.workflows;
-- df.start_workflow starts the latest one (or the version given) and records the version
-- in df.workflow_runs; df.workflow_diff says what changed between two versions.

CREATE FUNCTION df.compile(source text) RETURNS text
  AS 'MODULE_PATHNAME', 'df_compile' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.deploy(name text, source text) RETURNS TABLE(workflow text, version integer)
  AS 'MODULE_PATHNAME', 'df_deploy' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df.start_workflow(name text, params jsonb DEFAULT '{}', label text DEFAULT NULL,
                                  version integer DEFAULT NULL)
  RETURNS text AS 'MODULE_PATHNAME', 'df_start_workflow' LANGUAGE C VOLATILE;

CREATE FUNCTION df.workflow_diff(name text, v1 integer, v2 integer) RETURNS text
  AS 'MODULE_PATHNAME', 'df_workflow_diff' LANGUAGE C STRICT STABLE;

-- Which workflow version each visible instance runs.
CREATE FUNCTION df.workflow_instances(name text)
  RETURNS TABLE(instance_id text, version integer, status text, created_at timestamptz)
  LANGUAGE sql STRICT VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT r.instance_id::text, r.workflow_version, i.status, i.created_at
        FROM df.workflow_runs r JOIN df.instances i ON i.id = r.instance_id
        WHERE r.workflow_name = $1 ORDER BY i.created_at DESC, r.instance_id $$;

-- Ownership (issue 11 item 6). The first df.deploy of a name makes the caller its owner;
-- the owner may grant 'start' (df.start_workflow) or 'deploy' (new versions, and start)
-- to other roles. Users insert only (name, source) into df.workflows: the trigger below
-- computes version, graph, params and created_by on the server, from the source.
-- VOLATILE: it must see the owner row the insert trigger has just written (RLS checks of
-- that same INSERT call it).
CREATE FUNCTION df.workflow_privilege(name text, privilege text) RETURNS boolean
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$ SELECT CASE WHEN o.owner IS NULL THEN NULL
                    ELSE o.owner = quote_ident(current_user)::regrole
                      OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                      OR EXISTS (SELECT 1 FROM df.workflow_grants g
                                 WHERE g.name = o.name AND g.grantee = quote_ident(current_user)::regrole
                                   AND g.privilege IN ($2, 'deploy')) END
        FROM (SELECT $1 AS name) n LEFT JOIN df.workflow_owners o ON o.name = n.name $$;
COMMENT ON FUNCTION df.workflow_privilege(text, text) IS
  'true when the current role owns the workflow name or was granted the privilege (deploy implies start); NULL when nobody owns it';

CREATE FUNCTION df._compile_workflow(source text, name text) RETURNS text[]
  AS 'MODULE_PATHNAME', 'df_compile_workflow' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION df._workflows_before_insert() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  compiled text[];
BEGIN
  -- pg_restore (a superuser) brings complete rows: keep them as dumped (docs/operations.md,
  -- "Backup and restore"). Users can insert only (name, source), so graph is NULL for them.
  IF NEW.graph IS NOT NULL AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('df.workflows:' || NEW.name));
  INSERT INTO df.workflow_owners (name) VALUES (NEW.name) ON CONFLICT (name) DO NOTHING;
  IF NOT df.workflow_privilege(NEW.name, 'deploy') THEN
    RAISE EXCEPTION 'permission denied to deploy workflow "%"', NEW.name
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = format('The name belongs to role %s.', (SELECT owner FROM df.workflow_owners WHERE name = NEW.name)),
            HINT = 'Its owner can allow you with df.grant_workflow(name, role, ''deploy''), or deploy under another name.';
  END IF;
  compiled := df._compile_workflow(NEW.source, NEW.name);
  NEW.graph := compiled[1];
  NEW.params := compiled[2]::jsonb;
  NEW.version := (SELECT coalesce(max(w.version), 0) + 1 FROM df.workflows w WHERE w.name = NEW.name);
  NEW.created_by := quote_ident(current_user)::regrole;
  NEW.created_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER workflows_server_side_fields BEFORE INSERT ON df.workflows
  FOR EACH ROW EXECUTE FUNCTION df._workflows_before_insert();

-- Readable by the owner and grantees; anyone with usage may claim a free name.
CREATE POLICY workflow_owners_read ON df.workflow_owners FOR SELECT USING (true);
CREATE POLICY workflow_owners_claim ON df.workflow_owners FOR INSERT
  WITH CHECK (owner = quote_ident(current_user)::regrole);
CREATE POLICY workflow_grants_visible ON df.workflow_grants FOR SELECT
  USING (grantee = quote_ident(current_user)::regrole
         OR EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                      AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflow_grants_by_owner ON df.workflow_grants FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                        AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflow_grants_revoke ON df.workflow_grants FOR DELETE
  USING (EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = workflow_grants.name
                   AND o.owner = quote_ident(current_user)::regrole));
CREATE POLICY workflows_visible ON df.workflows FOR SELECT
  USING (df.workflow_privilege(name, 'start'));
CREATE POLICY workflows_deploy ON df.workflows FOR INSERT
  WITH CHECK (created_by = quote_ident(current_user)::regrole);

-- df.grant_workflow(name, role, 'start' | 'deploy') / df.revoke_workflow: the owner only.
CREATE FUNCTION df.grant_workflow(name text, role text, privilege text) RETURNS void
  LANGUAGE plpgsql STRICT SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF privilege NOT IN ('start', 'deploy') THEN
    RAISE EXCEPTION 'unknown workflow privilege "%"', privilege USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use ''start'' or ''deploy''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = $1
                   AND o.owner = quote_ident(current_user)::regrole) THEN
    RAISE EXCEPTION 'permission denied to grant on workflow "%"', $1 USING ERRCODE = 'insufficient_privilege',
      DETAIL = 'Only the role that owns a workflow name can grant on it.';
  END IF;
  INSERT INTO df.workflow_grants (name, grantee, privilege)
    VALUES ($1, quote_ident(role)::regrole, privilege) ON CONFLICT DO NOTHING;
END
$$;
CREATE FUNCTION df.revoke_workflow(name text, role text, privilege text) RETURNS void
  LANGUAGE plpgsql STRICT SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM df.workflow_owners o WHERE o.name = $1
                   AND o.owner = quote_ident(current_user)::regrole) THEN
    RAISE EXCEPTION 'permission denied to revoke on workflow "%"', $1 USING ERRCODE = 'insufficient_privilege',
      DETAIL = 'Only the role that owns a workflow name can revoke on it.';
  END IF;
  DELETE FROM df.workflow_grants g
    WHERE g.name = $1 AND g.grantee = quote_ident(role)::regrole AND g.privilege = $3;
END
$$;
