#!/bin/bash
# t_upgrade_schema — an installed 0.2.6 upgraded with ALTER EXTENSION pg_durable UPDATE has the
# same objects and definitions as a fresh install of this release: every member object's DDL
# (pg_dump --binary-upgrade lists extension members one by one; the OID-pinning calls are
# dropped) and the tables marked for dump. Fails when sql/parts/ and sql/updates/ drift apart.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'"
start_server
VERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$BUILD_DIR/sql/pg_durable.control")

# The extension's schema as DDL, without OIDs, plus what pg_extension records for dump.
describe() {
  as_pg "$T_BIN/pg_dump" -h "$T_DIR" -p "$T_PORT" -U postgres --schema-only --binary-upgrade postgres 2>/dev/null \
    | grep -v -e 'binary_upgrade_set_' -e 'binary_upgrade_create_empty_extension' -e '^-- Dumped \(from\|by\)' -e '^SET ' -e '^SELECT pg_catalog.set_config' \
              -e '^WHERE oid = ' -e '^\\\(un\)\{0,1\}restrict '
  psql_t -c "SELECT 'extversion ' || extversion FROM pg_extension WHERE extname = 'pg_durable'" >/dev/null
  psql_t -c "SELECT 'config dump: ' || c::regclass || ' ' || coalesce(nullif(extcondition[i], ''), '(all rows)')
               FROM pg_extension e, generate_subscripts(e.extconfig, 1) i, LATERAL (SELECT e.extconfig[i] AS c) x
              WHERE extname = 'pg_durable' ORDER BY 1"
}

psql_t -c "CREATE EXTENSION pg_durable"
[ "$(psql_t -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_durable'")" = "$VERSION" ] || fail "fresh install is not $VERSION"
wait_for "$worker_ready_sql"
describe > "$T_DIR/fresh.sql"
psql_t -c "DROP EXTENSION pg_durable CASCADE" 2>/dev/null

psql_t -c "CREATE EXTENSION pg_durable VERSION '0.2.6'"
wait_for "$worker_ready_sql"
psql_t -c "ALTER EXTENSION pg_durable UPDATE"
[ "$(psql_t -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_durable'")" = "$VERSION" ] || fail "ALTER EXTENSION UPDATE did not reach $VERSION"
describe > "$T_DIR/upgraded.sql"

[ "$(grep -c 'CREATE TABLE' "$T_DIR/fresh.sql")" -ge 8 ] || fail "the description lists no tables: $(head -20 "$T_DIR/fresh.sql")"
diff -u "$T_DIR/fresh.sql" "$T_DIR/upgraded.sql" || fail "upgraded 0.2.6 differs from a fresh $VERSION (diff above: - fresh, + upgraded)"
note "fresh $VERSION and 0.2.6 + ALTER EXTENSION UPDATE agree on $(grep -c '^CREATE\|^ALTER\|^GRANT\|^REVOKE' "$T_DIR/fresh.sql") statements"
