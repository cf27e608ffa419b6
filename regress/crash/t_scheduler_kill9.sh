#!/bin/bash
# t_scheduler_kill9 — kill -9 of the scheduler is a crash: the postmaster resets the
# cluster, the scheduler comes back and becomes ready again without any user action.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
wait_for "EXISTS (SELECT 1 FROM df._worker_epoch)"
old=$(scheduler_pid); [ -n "$old" ] || fail "no scheduler"
old_epoch=$(psql_t -c "SELECT epoch_id FROM df._worker_epoch")
note "kill -9 scheduler $old"
kill -9 "$old"
wait_for "EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler' AND pid <> $old)" 60
wait_for "EXISTS (SELECT 1 FROM df._worker_epoch WHERE epoch_id <> '$old_epoch')" 30
grep -q "terminated by signal 9" "$T_LOG" || fail "crash not seen by the postmaster"
note "scheduler back as $(scheduler_pid), new epoch published"

note "immediate shutdown and restart"
stop_server immediate
start_server
wait_for "EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler')" 60
wait_for "(SELECT count(*) FROM df._worker_epoch) = 1 AND (SELECT now() - last_seen_at < interval '15 s' FROM df._worker_epoch)" 30
note "ok"
