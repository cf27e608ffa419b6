#!/bin/bash
# t_exec_retention — docs/reference.md §18: with retention_days = 0 every terminal instance is
# removed at the next pass (nodes, engine state and executions with it); a running
# instance is never touched.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.enable_superuser_instances = on" \
             "pg_durable.reconcile_interval = 1" "pg_durable.retention_days = 0" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
for i in 1 2 3; do psql_t -c "SELECT df.start('SELECT $i')" >/dev/null; done
waiting=$(psql_t -c "SELECT df.start(df.wait_for_signal('never'), 'keeper')")
wait_for "(SELECT count(*) FROM df.instances WHERE status = 'completed') = 3 OR (SELECT count(*) FROM df.instances) = 1" 30
wait_for "(SELECT count(*) FROM df.instances) = 1" 30
[ "$(psql_t -c "SELECT id FROM df.instances")" = "$waiting" ] || fail "the running instance was removed"
[ "$(psql_t -c "SELECT count(*) FROM df.nodes WHERE instance_id <> '$waiting'")" = 0 ] || fail "nodes left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.instance_state WHERE instance_id <> '$waiting'")" = 0 ] || fail "engine state left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.executions WHERE instance_id <> '$waiting'")" = 0 ] || fail "executions left behind"
grep -q "retention removed" "$T_LOG" || fail "no retention pass logged"
note "terminal instances removed, the running one kept"
