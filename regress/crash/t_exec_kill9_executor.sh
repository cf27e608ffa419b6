#!/bin/bash
# t_exec_kill9_executor — kill -9 an executor in the middle of a step's statement, twice.
# The postmaster resets the cluster; after it, every instance completes and every step's
# effect exists exactly once (the killed step's effects rolled back with its claim).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/workload.sh"
init_cluster "${WORKLOAD_CONF[@]}"
start_server
start_workload
for round in 1 2; do
  pid=$(executor_mid_step) || fail "no executor ever ran a step"
  note "round $round: kill -9 executor $pid mid-step"
  kill -9 "$pid"
  sleep 1
  wait_for "$worker_ready_sql AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable executor')" 60
done
grep -q "terminated by signal 9" "$T_LOG" || fail "the kill was not seen"
verify_workload
