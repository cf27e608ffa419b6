#!/bin/bash
# t_exec_kill9_scheduler — kill -9 the scheduler (which fires timers and keeps the
# executor pool) while instances run and timers are pending; after the reset everything
# completes exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/workload.sh"
init_cluster "${WORKLOAD_CONF[@]}"
start_server
start_workload
executor_mid_step >/dev/null || fail "no executor ever ran a step"
pid=$(scheduler_pid); [ -n "$pid" ] || fail "no scheduler"
note "kill -9 scheduler $pid"
kill -9 "$pid"
sleep 1
wait_for "$worker_ready_sql AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler')" 60
verify_workload
