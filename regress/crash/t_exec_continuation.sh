#!/bin/bash
# t_exec_continuation — an executor runs an instance's next SQL step right after the
# commit of its previous one, without a task row (the checkpoint is the durable record:
# engine_core.hpp HeldTask). Terminated (FATAL, no cluster reset) in the middle of such a
# step, twice: the scheduler requeues the task from the checkpoint, every instance
# completes and every step's effect exists exactly once. Then a fast shutdown in the middle
# of the chains: the scan at start-up requeues what the stopped executors held.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200" \
             "pg_durable.enable_superuser_instances = on" "pg_durable.max_workers = 2"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE TABLE effects (instance text, step int)"
step() { echo "'INSERT INTO effects SELECT ''{sys_instance_id}'', $1 FROM pg_sleep(0.3)'"; }
chain() { local s out; out=$(step 1); for s in $(seq 2 "$1"); do out="$out ~> $(step "$s")"; done; echo "$out"; }
ids=()
for i in 1 2 3 4 5 6; do ids+=("$(psql_t -c "SELECT df.start($(chain 8), 'chain')")"); done
all=$(printf "'%s'," "${ids[@]}"); all="(${all%,})"

# No task row while the chains run: each next step is its executor's continuation.
wait_for "(SELECT count(DISTINCT instance) FROM effects WHERE step >= 2) >= 2" 60
rows=$(psql_t -c "SELECT count(*) FROM _duroxide.tasks t JOIN effects e ON e.instance = t.instance_id AND e.step = 2")
[ "$rows" = 0 ] || fail "a chain past its first step has a task row ($rows)"
# A step k >= 2 of an instance not interrupted before is a continuation (its executor ran
# step k - 1 and kept step k); the executor running one is terminated.
interrupted="''"
for round in 1 2; do
  before=$(grep -c "requeued" "$T_LOG" || true)
  row=""
  for _ in $(seq 1 200); do
    row=$(psql_t -F ' ' -c "SELECT pid, i FROM (SELECT pid, substring(query FROM '''([0-9a-f]{8})''') AS i,
                                   substring(query FROM ', ([0-9]+) FROM pg_sleep')::int AS k
                              FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event = 'PgSleep') a
                            WHERE k >= 2 AND i NOT IN ($interrupted) LIMIT 1")
    [ -n "$row" ] && break
    sleep 0.05
  done
  [ -n "$row" ] || fail "no executor in a continuation step"
  read -r pid instance <<< "$row"
  interrupted="$interrupted, '$instance'"
  note "round $round: pg_terminate_backend of the executor in a continuation step of $instance"
  psql_t -c "SELECT pg_terminate_backend($pid)" >/dev/null
  for _ in $(seq 1 100); do [ "$(grep -c "requeued" "$T_LOG" || true)" -gt "$before" ] && break; sleep 0.1; done
  [ "$(grep -c "requeued" "$T_LOG" || true)" -gt "$before" ] || fail "round $round: nothing requeued after the executor left"
done
grep -q "terminating any other active server processes" "$T_LOG" && fail "a cluster reset happened (expected a plain exit)"

# A fast shutdown while the chains run: the next start's scan requeues them.
wait_for "(SELECT count(*) FROM effects) >= 30" 60
before=$(grep -c "requeued" "$T_LOG" || true)
stop_server fast
start_server
wait_for "$worker_ready_sql" 60
wait_for "NOT EXISTS (SELECT 1 FROM df.instances WHERE id IN $all AND status <> 'completed')" 120
[ "$(grep -c "requeued" "$T_LOG" || true)" -gt "$before" ] || fail "the start-up scan requeued nothing"
bad=$(psql_t -c "SELECT instance || ':' || step || ' x' || count(*) FROM effects GROUP BY instance, step HAVING count(*) <> 1")
[ -z "$bad" ] || fail "effects not exactly once: $bad"
[ "$(psql_t -c "SELECT count(*) FROM effects")" = 48 ] || fail "expected 48 effects, got $(psql_t -c "SELECT count(*) FROM effects")"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks")" = 0 ] || fail "tasks left behind"
note "6 chains of 8 steps completed after two terminated executors and a restart, each effect exactly once"
