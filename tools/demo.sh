#!/bin/bash
# tools/demo.sh PORT DEV_DIR — the part of `tools/dev demo` that talks to the running
# cluster: shows the worker alive and the extension answering. It grows with the product
# (run a real workflow and show it progressing once the engine runs workflows).
set -euo pipefail
PORT=$1
psql_demo() { "$(pg_config --bindir)/psql" -X -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }

echo "-- the pg_durable scheduler, as PostgreSQL sees it"
psql_demo -c "SELECT pid, backend_type, datname, backend_start FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler'"
echo "-- readiness (REFERENCE.md §1) and liveness"
psql_demo -c "SELECT schema_version, initialized_at FROM _duroxide._worker_ready" \
          -c "SELECT epoch_id, started_at, last_seen_at FROM df._worker_epoch"
echo "-- version"
psql_demo -c "SELECT df.version(), df.target_database(), df.duroxide_schema()"
