#!/bin/bash
# t_metrics_restart — the step counters of df.openmetrics() (shared memory) survive a clean
# restart through pg_stat/pg_durable_metrics.stat, as pg_stat_statements' statistics do,
# and start from zero after a crash restart, after an immediate shutdown, and when the
# file is corrupt, too short or of another format version (a LOG line says which; the
# server starts normally).
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app')" >/dev/null 2>&1
FILE="$T_DATA/pg_stat/pg_durable_metrics.stat"

# counters: the step counter lines of df.openmetrics() (the gauges come from the tables)
counters() { psql_t -c "SELECT df.openmetrics()" | grep -E '^pg_durable_step' || true; }
started() { counters | sed -n 's/^pg_durable_steps_started_total //p'; }
# run_workflows — two steps that succeed, one that fails after a retry
run_workflows() {
  local a b
  a=$(app_sql "SELECT df.start(df.seq('SELECT 1', 'SELECT pg_sleep(0.01)'))")
  b=$(app_sql "SELECT df.start(df.retry('SELECT 1/0', 2, 0.1, 0.1))")
  [ "$(app_sql "SELECT df.await_instance('$a', 60)")" = completed ] || fail "instance $a did not complete"
  [ "$(app_sql "SELECT df.await_instance('$b', 60)")" = failed ] || fail "instance $b did not fail"
}
log_since() { tail -c +"$1" "$T_LOG"; }  # read with grep <(...): `| grep -q` under pipefail may fail at random
log_size() { echo $(( $(stat -c %s "$T_LOG") + 1 )); }
# restart_fast — pg_ctl restart -m fast; the scheduler back before the next workflow
restart_fast() {
  as_pg "$T_BIN/pg_ctl" -D "$T_DATA" -l "$T_LOG" -m fast -w -t 60 restart >/dev/null || fail "restart failed"
  wait_for "$worker_ready_sql" 60
}
expect_zero() {
  local c
  c=$(counters)
  grep -qE '^pg_durable_steps_started_total 0$' <<<"$c" || fail "$1: steps started not zero: $c"
  grep -qE '^pg_durable_step_attempts_total\{outcome="succeeded"\} 0$' <<<"$c" || fail "$1: attempts not zero: $c"
  grep -qE '^pg_durable_step_duration_seconds_count 0$' <<<"$c" || fail "$1: histogram not zero: $c"
}

note "counters survive pg_ctl restart -m fast"
run_workflows
before=$(counters)
[ "$(started)" -ge 4 ] || fail "expected at least 4 steps started: $before"
grep -qE '^pg_durable_step_retries_total [1-9]' <<<"$before" || fail "no retry counted: $before"
grep -qE '^pg_durable_step_attempts_total\{outcome="failed"\} [1-9]' <<<"$before" || fail "no failure counted: $before"
at=$(log_size)
restart_fast
after=$(counters)
[ "$after" = "$before" ] || fail "counters changed over a clean restart:
--- before
$before
--- after
$after"
grep -q 'pg_durable: step counters restored from "pg_stat/pg_durable_metrics.stat"' <(log_since "$at") \
  || fail "no LOG line for the restored counters"
[ -e "$FILE" ] && fail "the counters file is still there after it was read"
note "restored: $(started) steps started"

note "they go on counting, and survive a second restart"
run_workflows
second=$(counters)
[ "$(echo "$second" | sed -n 's/^pg_durable_steps_started_total //p')" -gt "$(echo "$before" | sed -n 's/^pg_durable_steps_started_total //p')" ] \
  || fail "counters did not go on from the restored values: $second"
restart_fast
[ "$(counters)" = "$second" ] || fail "counters changed over the second clean restart"

note "a crash restart (kill -9 of a backend) starts them from zero"
at=$(log_size)
victim=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler'")
[ -n "$victim" ] || fail "no scheduler to kill"
kill -9 "$victim"
wait_for "EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler' AND pid <> $victim)" 60
wait_for "$worker_ready_sql" 60
expect_zero "after a crash restart"
grep -q "pg_durable: step counters start from zero after a crash restart" <(log_since "$at") \
  || fail "no LOG line for the crash restart"

note "an immediate shutdown starts them from zero"
run_workflows
[ "$(started)" -ge 4 ] || fail "no counts before the immediate shutdown"
at=$(log_size)
stop_server immediate
start_server
wait_for "$worker_ready_sql" 60
expect_zero "after an immediate shutdown"
grep -qE 'pg_durable: (no step counters saved by a clean shutdown|step counters in "pg_stat/pg_durable_metrics.stat" not restored: the server did not shut down cleanly)' <(log_since "$at") \
  || fail "no LOG line for the counters dropped by the immediate shutdown"
[ -e "$FILE" ] && fail "a counters file is left after an immediate shutdown"

# refused FILE-CHANGE REASON — a clean stop writes the file; CHANGE damages it; the server
# starts with zero counters and says REASON
refused() {
  run_workflows
  stop_server fast
  [ -s "$FILE" ] || fail "no counters file after a clean stop"
  eval "$1"
  at=$(log_size)
  start_server
  wait_for "$worker_ready_sql" 60
  expect_zero "after $2"
  grep -q "pg_durable: step counters in \"pg_stat/pg_durable_metrics.stat\" not restored: $2; they start from zero" <(log_since "$at") \
    || fail "no LOG line saying: $2"
  [ -e "$FILE" ] && fail "the refused counters file is still there"
  note "refused: $2"
}
# a flipped byte in the counters (offset 140: after the header and the bucket bounds)
refused 'printf "\xff" | dd of="$FILE" bs=1 seek=140 conv=notrunc status=none' "its checksum does not match"
refused 'truncate -s 20 "$FILE"' "it has the wrong size"
refused 'printf "\x09\x00\x00\x00" | dd of="$FILE" bs=1 seek=4 conv=notrunc status=none' \
  "it was written by another version of its format"
refused 'printf "XXXX" | dd of="$FILE" bs=1 seek=0 conv=notrunc status=none' "it is not a pg_durable counters file"
grep -q "PANIC" "$T_LOG" && fail "a PANIC in the server log"
note "ok"
