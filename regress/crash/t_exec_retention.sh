#!/bin/bash
# t_exec_retention — docs/reference.md §18: with retention_days = 0 every terminal instance is
# removed at the next pass (nodes, engine state and executions with it); a running
# instance is never touched, nor a paused one (on_failure => 'pause': not terminal).
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.enable_superuser_instances = on" \
             "pg_durable.reconcile_interval = 1" "pg_durable.retention_days = 0" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
for i in 1 2 3; do psql_t -c "SELECT df.start('SELECT $i')" >/dev/null; done
waiting=$(psql_t -c "SELECT df.start(df.wait_for_signal('never'), 'keeper')")
paused=$(psql_t -c "SELECT df.start('SELECT * FROM retention_missing', 'paused', on_failure => 'pause')")
wait_for "(SELECT count(*) FROM df.instances WHERE status = 'completed') = 3 OR (SELECT count(*) FROM df.instances) = 2" 30
wait_for "(SELECT count(*) FROM df.instances) = 2" 30
[ "$(psql_t -c "SELECT string_agg(id, ' ' ORDER BY label) FROM df.instances")" = "$waiting $paused" ] ||
  fail "the running or the paused instance was removed"
[ "$(psql_t -c "SELECT status FROM df.instances WHERE id = '$paused'")" = paused ] || fail "not paused"
# one more pass, surely after the pause: it removes this instance and keeps the paused one
psql_t -c "SELECT df.start('SELECT 4')" >/dev/null
wait_for "(SELECT count(*) FROM df.instances) = 2" 30
[ "$(psql_t -c "SELECT status FROM df.instances WHERE id = '$paused'")" = paused ] || fail "the paused instance was removed"
keep="('$waiting', '$paused')"
[ "$(psql_t -c "SELECT count(*) FROM df.nodes WHERE instance_id NOT IN $keep")" = 0 ] || fail "nodes left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.instance_state WHERE instance_id NOT IN $keep")" = 0 ] || fail "engine state left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.instance_graphs WHERE instance_id NOT IN $keep")" = 0 ] || fail "frozen graphs left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.instance_graphs WHERE instance_id IN $keep")" = 2 ] || fail "a kept instance lost its graph"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.executions WHERE instance_id NOT IN $keep")" = 0 ] || fail "executions left behind"
grep -q "retention removed" "$T_LOG" || fail "no retention pass logged"
note "terminal instances removed, the running and the paused one kept"
