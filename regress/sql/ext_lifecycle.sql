-- ext_lifecycle: the extension's identity functions, the readiness contract and the
-- liveness heartbeat (REFERENCE.md §1, §3.6, §5).
-- One version everywhere: df.version() (the library) names the installed extension version.
SELECT df.version() ~ '^0\.3\.0 \(built [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\)$' AS version_format,
       split_part(df.version(), ' ', 1) = (SELECT extversion FROM pg_extension WHERE extname = 'pg_durable') AS matches_extension;
SELECT df.duroxide_schema();
SELECT df.target_database();

-- exactly one scheduler, connected to the extension's database
SELECT count(*) AS schedulers, min(datname) AS datname
  FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler';

-- readiness row as harnesses see it
SELECT sentinel, schema_version, initialized_at <= now() AS initialized_in_past
  FROM _duroxide._worker_ready;

-- one epoch row, recently seen
SELECT count(*) AS epochs, bool_and(now() - last_seen_at < interval '15 seconds') AS alive
  FROM df._worker_epoch;

-- the extension lives in pg_catalog's schema setting and cannot be relocated
SELECT extname, extrelocatable, extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_durable';

-- a pre-existing df schema makes CREATE EXTENSION fail (no IF NOT EXISTS)
CREATE EXTENSION pg_durable;  -- expect: extension already exists

-- non-superusers can read the readiness table, not the epoch table
CREATE ROLE regress_reader LOGIN;
SET ROLE regress_reader;
SELECT schema_version FROM _duroxide._worker_ready;
SELECT count(*) FROM df._worker_epoch;  -- expect: permission denied for schema df
RESET ROLE;
DROP ROLE regress_reader;
