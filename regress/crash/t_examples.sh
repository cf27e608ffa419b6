#!/bin/bash
# t_examples — the workflows of examples/ are linted with dfc, deployed and run as an
# ordinary role (examples/run_examples.sh checks each outcome).
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql" 120
psql_t -c "CREATE ROLE example_user LOGIN" -c "SELECT df.grant_usage('example_user')" -c "GRANT CREATE ON SCHEMA public TO example_user" 2>/dev/null
as_pg "$CRASH_ROOT/examples/run_examples.sh" "$BUILD_DIR/tools/dfc/dfc" \
  "$T_BIN/psql" -h "$T_DIR" -p "$T_PORT" -U example_user -d postgres || fail "an example failed"
