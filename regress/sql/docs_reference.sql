-- docs_reference: docs/reference.md keeps up with the server. Its §6 table has one row per
-- pg_durable setting the library defines, with pg_settings' context; every df function
-- appears as `df.name(`. run_regress.sh copies the page next to the tests.
\set reference `cat input/reference.md`
CREATE TEMP TABLE doc_settings AS
  SELECT m[1] AS name, m[2] AS context
  FROM regexp_matches(:'reference', '\n\| `(pg_durable\.[a-z_]+)` \|[^|\n]*\| ([a-z]+) \|', 'g') AS m;
-- the table is found at all (an unreadable page must not pass as "nothing missing")
SELECT count(*) > 20 AS table_found FROM doc_settings;
-- settings missing from the table, or documented with another context
SELECT s.name, s.context, d.context AS documented
  FROM pg_settings s LEFT JOIN doc_settings d USING (name)
 WHERE s.name LIKE 'pg_durable.%' AND d.context IS DISTINCT FROM s.context
 ORDER BY 1;
-- rows for settings that do not exist, and rows given twice
SELECT name FROM doc_settings WHERE name NOT IN (SELECT name FROM pg_settings) ORDER BY 1;
SELECT name, count(*) FROM doc_settings GROUP BY name HAVING count(*) > 1 ORDER BY 1;
-- df functions (internal ones start with _) the page never shows as `df.name(`
SELECT DISTINCT p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'df' AND p.proname !~ '^_'
   AND strpos(:'reference', 'df.' || p.proname || '(') = 0
 ORDER BY 1;
