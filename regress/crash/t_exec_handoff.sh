#!/bin/bash
# t_exec_handoff — a commit that makes a task runnable hands it to the idle executor it
# wakes, through shared memory (shmem.hpp take_handoff); the task's row stays the durable
# record. Three rounds, each checked exactly once after the cluster is back:
#   1. the woken executor is stopped (SIGSTOP) before it can take the hand-off, then
#      killed (-9): the postmaster resets the cluster, the hand-off is lost with the
#      shared memory, and the step runs after the reset from its row;
#   2. the same, but an immediate shutdown of the postmaster while the hand-off waits,
#      then a start;
#   3. the executor took the hand-off (claimed the row by its key) and is killed in the
#      middle of the step: its claim and the step's effect roll back together, and the
#      step runs once after the reset.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200" \
             "pg_durable.enable_superuser_instances = on" "pg_durable.max_workers = 2"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE TABLE effects (instance text, round int)"
counter() {
  psql_t -c "SELECT coalesce((SELECT substring(l FROM ' (\S+)\$') FROM regexp_split_to_table(df.openmetrics(), E'\n') l
                              WHERE substring(l FROM '^(\S+) ') = '$1'), 'none')"
}
idle_executor() {  # the pid of the one executor, once it sleeps on its latch
  local pid=""
  for _ in $(seq 1 300); do
    pid=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event = 'Extension' LIMIT 1")
    [ -n "$pid" ] && break
    sleep 0.05
  done
  [ -n "$pid" ] || fail "no idle executor"
  echo "$pid"
}
warm_up() {  # one instance run to completion: an executor exists and goes to sleep
  local id
  id=$(psql_t -c "SELECT df.start('SELECT 1', 'warm')")
  [ "$(psql_t -c "SELECT df.await_instance('$id', 60)")" = completed ] || fail "warm-up instance did not complete"
}
start_effect() {  # $1 = round, $2 = sleep seconds; prints the instance id
  psql_t -c "SELECT df.start('INSERT INTO effects SELECT ''{sys_instance_id}'', $1 FROM pg_sleep($2)', 'round$1')"
}
check_once() {  # $1 = instance, $2 = round
  wait_for "$worker_ready_sql AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler')" 60
  [ "$(psql_t -c "SELECT df.await_instance('$1', 60)")" = completed ] || fail "round $2: instance $1 did not complete"
  local n
  n=$(psql_t -c "SELECT count(*) FROM effects WHERE instance = '$1' AND round = $2")
  [ "$n" = 1 ] || fail "round $2: the step's effect exists $n times"
  [ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks WHERE instance_id = '$1'")" = 0 ] || fail "round $2: task row left"
}
handed_over_to_stopped_executor() {  # $1 = round; prints the instance id
  local pid id woken
  warm_up
  pid=$(idle_executor)
  woken=$(counter pg_durable_executor_wakeups_total)
  kill -STOP "$pid"
  id=$(start_effect "$1" 0)
  [ "$(counter pg_durable_executor_wakeups_total)" = $((woken + 1)) ] || { kill -CONT "$pid"; fail "round $1: the commit woke no executor"; }
  [ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks WHERE instance_id = '$id'")" = 1 ] || { kill -CONT "$pid"; fail "round $1: no task row"; }
  echo "$pid $id"
}

read -r pid id <<< "$(handed_over_to_stopped_executor 1)"
note "round 1: task of $id handed to executor $pid (stopped); kill -9 it"
kill -9 "$pid"
sleep 1
check_once "$id" 1
grep -q "terminated by signal 9" "$T_LOG" || fail "round 1: the kill was not seen"

read -r pid id <<< "$(handed_over_to_stopped_executor 2)"
note "round 2: task of $id handed to executor $pid (stopped); immediate shutdown"
stop_server immediate &
stopper=$!
sleep 0.2
kill -CONT "$pid" 2>/dev/null || true
wait "$stopper"
start_server
check_once "$id" 2

warm_up
pid=$(idle_executor)
taken=$(counter 'pg_durable_executor_handoffs_total{outcome="taken"}')
id=$(start_effect 3 3)
wait_for "EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $pid AND wait_event = 'PgSleep')" 30
[ "$(counter 'pg_durable_executor_handoffs_total{outcome="taken"}')" = $((taken + 1)) ] || fail "round 3: the executor did not take the hand-off"
note "round 3: executor $pid took the hand-off of $id and runs its step; kill -9 it"
kill -9 "$pid"
sleep 1
check_once "$id" 3
note "three hand-offs lost or interrupted by a crash; each step ran exactly once afterwards"
