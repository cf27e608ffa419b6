#!/bin/bash
# t_exec_immediate_shutdown — pg_ctl stop -m immediate while many instances run, a
# downtime longer than the sleeps' timers, restart: timers that expired fire at once,
# every instance completes, every effect exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/workload.sh"
init_cluster "${WORKLOAD_CONF[@]}"
start_server
start_workload
executor_mid_step >/dev/null || fail "no executor ever ran a step"
note "immediate shutdown mid-run"
stop_server immediate
sleep 4   # longer than df.sleep(3): those timers expire while the server is down
start_server
verify_workload
