-- Administration (docs/reference.md §3.6, §1 step 6, §15). grant_usage / revoke_usage run as
-- the caller (SECURITY INVOKER), so PostgreSQL's grantor rules decide what a
-- non-superuser admin may hand out. Sensitive functions lose PUBLIC EXECUTE.

CREATE FUNCTION df.grant_usage(p_role text, include_http boolean DEFAULT false,
                               with_grant boolean DEFAULT false) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  grant_option text := CASE WHEN with_grant THEN ' WITH GRANT OPTION' ELSE '' END;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA df TO %I', p_role) || grant_option;
  IF include_http THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.http(text,text,text,jsonb,integer) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.http_multipart(text,text,jsonb,jsonb,integer) TO %I', p_role) || grant_option;
  END IF;
  IF with_grant THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.grant_usage(text,boolean,boolean) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.revoke_usage(text) TO %I', p_role) || grant_option;
    EXECUTE format('GRANT EXECUTE ON FUNCTION df.metrics() TO %I', p_role) || grant_option;
  END IF;
  EXECUTE format('GRANT SELECT ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT UPDATE (status, updated_at) ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT ON df.nodes TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT ON df.step_runs TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, label, root_node, submitted_by, database) ON df.instances TO %I', p_role) || grant_option;
  EXECUTE format('GRANT INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON df.vars TO %I', p_role) || grant_option;
  -- Workflows as code: read and deploy workflows, record which version an instance runs.
  -- Only (name, source): version, graph and created_by are computed by the server.
  EXECUTE format('GRANT SELECT, INSERT (name, source) ON df.workflows TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT ON df.workflow_owners TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT, DELETE ON df.workflow_grants TO %I', p_role) || grant_option;
  EXECUTE format('GRANT SELECT, INSERT ON df.workflow_runs TO %I', p_role) || grant_option;
  RAISE NOTICE 'pg_durable: granted df usage privileges to "%"', p_role;
END
$$;

CREATE FUNCTION df.revoke_usage(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  fn text;
BEGIN
  FOREACH fn IN ARRAY ARRAY['df.http(text,text,text,jsonb,integer)', 'df.metrics()',
                            'df.http_multipart(text,text,jsonb,jsonb,integer)',
                            'df.grant_usage(text,boolean,boolean)', 'df.revoke_usage(text)'] LOOP
    BEGIN
      EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I CASCADE', fn, p_role);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;  -- not ours to revoke: PostgreSQL's grantor rules apply
    END;
  END LOOP;
  EXECUTE format('REVOKE SELECT, UPDATE (status, updated_at) ON df.instances FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT ON df.nodes, df.step_runs FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, label, root_node, submitted_by, database) ON df.instances FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (id, instance_id, node_type, query, result_name, left_node, right_node, submitted_by, database) ON df.nodes FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON df.vars FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT ON df.workflows, df.workflow_runs FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE INSERT (name, source) ON df.workflows FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, DELETE ON df.workflow_owners, df.workflow_grants FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE USAGE ON SCHEMA df FROM %I CASCADE', p_role);
  RAISE NOTICE 'pg_durable: revoked df usage privileges granted by "%" from "%"', current_user, p_role;
END
$$;

-- Monitoring of the whole engine (every user's instances in aggregate): df.openmetrics()
-- and df.metrics(), for a scraper's role. SECURITY INVOKER: the grantor rules apply.
CREATE FUNCTION df.grant_monitor(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA df TO %I', p_role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION df.openmetrics() TO %I', p_role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION df.metrics() TO %I', p_role);
  RAISE NOTICE 'pg_durable: granted df monitoring to "%"', p_role;
END
$$;

CREATE FUNCTION df.revoke_monitor(p_role text) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  EXECUTE format('REVOKE EXECUTE ON FUNCTION df.openmetrics() FROM %I CASCADE', p_role);
  EXECUTE format('REVOKE EXECUTE ON FUNCTION df.metrics() FROM %I CASCADE', p_role);
  RAISE NOTICE 'pg_durable: revoked df monitoring from "%"', p_role;
END
$$;

REVOKE EXECUTE ON FUNCTION df.openmetrics() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.grant_monitor(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.revoke_monitor(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.http(text,text,text,jsonb,integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.http_multipart(text,text,jsonb,jsonb,integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.metrics() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.grant_usage(text,boolean,boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION df.revoke_usage(text) FROM PUBLIC;
