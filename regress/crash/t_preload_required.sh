#!/bin/bash
# t_preload_required — loaded any other way than shared_preload_libraries, the library
# refuses with docs/reference.md §1's message, and nothing is created.
source "$(dirname "$0")/lib.sh"
init_cluster
start_server
out=$(psql_t -c "CREATE EXTENSION pg_durable" 2>&1 || true)
echo "$out"
grep -q "pg_durable must be loaded via shared_preload_libraries." <<<"$out" || fail "wrong message on CREATE EXTENSION: $out"
grep -q "HINT: Add 'pg_durable' to shared_preload_libraries in postgresql.conf and restart the server." <<<"$out" || fail "hint missing: $out"
[ "$(psql_t -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('df', '_duroxide')")" = 0 ] || fail "schemas left behind"
out=$(psql_t -c "LOAD 'pg_durable'" 2>&1 || true)
grep -q "must be loaded via shared_preload_libraries" <<<"$out" || fail "LOAD accepted: $out"
note "refused as documented"
