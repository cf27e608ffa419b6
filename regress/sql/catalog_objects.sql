-- catalog_objects: the shape of the catalog (docs/reference.md §3, §4, §5): tables and their
-- columns, constraints (NOT VALID; no FKs between df.nodes and df.instances), indexes, policies, and every df
-- function's signature, strictness, volatility and result type.
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'df'::regnamespace AND c.relname IN ('instances', 'nodes', 'vars')
    AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY c.relname, a.attnum;
SELECT conrelid::regclass, conname, contype, convalidated, condeferrable, condeferred
  FROM pg_constraint WHERE connamespace = 'df'::regnamespace
    AND conrelid IN ('df.instances'::regclass, 'df.nodes'::regclass, 'df.vars'::regclass)
  ORDER BY 1::text, 2;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'nodes_pkey';
SELECT count(*) AS no_instance_node_key FROM pg_constraint WHERE conname = 'nodes_instance_node_key';
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index
  WHERE indrelid IN ('df.instances'::regclass, 'df.nodes'::regclass) AND NOT indisprimary
  ORDER BY 1::text;
SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'df' ORDER BY 1, 2;
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
  WHERE relnamespace = 'df'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT p.proname, pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
       p.proisstrict AS strict, p.provolatile AS vol, l.lanname
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  WHERE p.pronamespace = 'df'::regnamespace ORDER BY p.proname, args;
SELECT count(*) AS removed_functions FROM pg_proc
  WHERE pronamespace = 'df'::regnamespace AND proname IN ('debug_connection', 'ensure_durofut');
-- the one view is df.step_runs (run history); no sequences or materialized views
SELECT relname, relkind FROM pg_class
  WHERE relnamespace = 'df'::regnamespace AND relkind IN ('v', 'S', 'm') ORDER BY 1;
