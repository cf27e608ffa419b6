#!/bin/bash
# t_exec_wide_join — a 400-branch JOIN (its state stored as a base + deltas, docs/design.md
# "How a state is stored") survives kill -9 of an executor mid-step, twice, and an
# immediate shutdown of the postmaster: after the restart every branch has run exactly
# once, the JOIN's result holds all 400 in branch order, and no delta or task is left.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/workload.sh"
init_cluster "${WORKLOAD_CONF[@]}"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE TABLE effects (instance text, step int, at timestamptz DEFAULT clock_timestamp())"
branch() { echo "df.sql('INSERT INTO effects SELECT ''{sys_instance_id}'', $1 FROM pg_sleep(0.03) RETURNING $1 AS b')"; }
id=$(psql_t -c "SELECT df.start(jsonb_build_object('node_type', 'THEN',
  'left_node', df.join($(branch 0), $(branch 1))::jsonb || jsonb_build_object('extra_nodes',
    (SELECT jsonb_agg(df.sql(format('INSERT INTO effects SELECT ''{sys_instance_id}'', %s FROM pg_sleep(0.03) RETURNING %s AS b', i, i))::jsonb ORDER BY i)
     FROM generate_series(2, 399) i)),
  'right_node', df.sql('SELECT count(*) AS n FROM effects')::jsonb)::text, 'wide')")
[ -n "$id" ] || fail "the wide join did not start"
wait_for "(SELECT delta_bytes IS NOT NULL FROM _duroxide.instance_state WHERE instance_id = '$id')" 30
for round in 1 2; do
  pid=$(executor_mid_step) || fail "no executor ever ran a step"
  wait_for "(SELECT count(*) FROM _duroxide.state_deltas WHERE instance_id = '$id') > 0" 30
  note "round $round: kill -9 executor $pid mid-step ($(psql_t -c "SELECT count(*) FROM effects") branches done)"
  kill -9 "$pid"
  sleep 1
  wait_for "$worker_ready_sql AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable executor')" 60
done
executor_mid_step >/dev/null || fail "no executor ran a step after the kills"
note "immediate shutdown with $(psql_t -c "SELECT count(*) FROM effects") branches done, $(psql_t -c "SELECT count(*) FROM _duroxide.state_deltas WHERE instance_id = '$id'") deltas"
stop_server immediate
start_server
wait_for "$worker_ready_sql" 60
wait_for "(SELECT status FROM df.instances WHERE id = '$id') IN ('completed', 'failed', 'cancelled')" 120  # terminal statuses: ext/engine/instance_status.hpp
[ "$(psql_t -c "SELECT status FROM df.instances WHERE id = '$id'")" = completed ] || fail "the wide join did not complete"
bad=$(psql_t -c "SELECT step || ' x' || count(*) FROM effects GROUP BY step HAVING count(*) <> 1")
[ -z "$bad" ] || fail "branches not exactly once: $bad"
[ "$(psql_t -c "SELECT count(*) FROM effects")" = 400 ] || fail "not every branch ran"
[ "$(psql_t -c "SELECT df.result('$id')::jsonb #>> '{rows,0,n}'")" = 400 ] || fail "the step after the join did not see 400 effects"
[ "$(psql_t -c "SELECT jsonb_array_length(result) = 400 AND (SELECT bool_and((result -> i #>> '{rows,0,b}')::int = i) FROM generate_series(0, 399) i)
                FROM df.nodes WHERE instance_id = '$id' AND node_type = 'JOIN'")" = t ] || fail "the JOIN's result is not the 400 branches in order"
[ "$(psql_t -c "SELECT count(*) FROM df.nodes WHERE instance_id = '$id' AND status <> 'completed'")" = 0 ] || fail "nodes not completed"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.state_deltas")" = 0 ] || fail "deltas left behind"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks")" = 0 ] || fail "tasks left behind"
grep -q "terminated by signal 9" "$T_LOG" || fail "the kill was not seen"
note "400 branches, each exactly once, after two kills and an immediate shutdown"
