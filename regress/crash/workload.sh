# workload.sh — a mixed workload for the recovery tests (sourced after lib.sh): sequences,
# joins, a loop with break, a sleep, a signal wait. Every step records its effect in
# `effects`; verify_workload checks every instance completed and every effect happened
# exactly once.

WORKLOAD_CONF=("shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200"
               "pg_durable.enable_superuser_instances = on" "pg_durable.loop_min_interval = 50"
               "pg_durable.max_workers = 4")

# A step that sleeps (so a kill lands mid-statement) and then records its effect.
effect() { echo "'INSERT INTO effects SELECT ''{sys_instance_id}'', $1 FROM pg_sleep($2)'"; }

start_workload() {
  psql_t -c "CREATE EXTENSION pg_durable"
  wait_for "$worker_ready_sql"
  psql_t -c "CREATE TABLE effects (instance text, step int, at timestamptz DEFAULT clock_timestamp())"
  psql_t -c "CREATE TABLE expected (instance text, step int)"
  local i id
  for i in $(seq 1 6); do   # sequences of 5 steps
    id=$(psql_t -c "SELECT df.start($(effect 1 0.4) ~> $(effect 2 0.4) ~> $(effect 3 0.4) ~> $(effect 4 0.4) ~> $(effect 5 0.4), 'seq')")
    psql_t -c "INSERT INTO expected SELECT '$id', s FROM generate_series(1, 5) s"
  done
  for i in $(seq 1 4); do   # a 3-branch join, then a step
    id=$(psql_t -c "SELECT df.start(df.join3($(effect 10 0.5), $(effect 11 0.5), $(effect 12 0.5)) ~> $(effect 13 0.2), 'join')")
    psql_t -c "INSERT INTO expected VALUES ('$id', 10), ('$id', 11), ('$id', 12), ('$id', 13)"
  done
  for i in $(seq 1 3); do   # a loop that breaks after three iterations
    id=$(psql_t -c "SELECT df.start(df.loop(
        'INSERT INTO effects SELECT ''{sys_instance_id}'', 100 + count(*) FROM effects, pg_sleep(0.1) WHERE instance = ''{sys_instance_id}'' AND step >= 100'
        ~> df.if('SELECT count(*) >= 3 FROM effects WHERE instance = ''{sys_instance_id}'' AND step >= 100', df.break('done'), 'SELECT 1')) ~> $(effect 200 0), 'loop')")
    psql_t -c "INSERT INTO expected VALUES ('$id', 100), ('$id', 101), ('$id', 102), ('$id', 200)"
  done
  for i in $(seq 1 3); do   # a durable sleep whose timer expires while the server is down
    id=$(psql_t -c "SELECT df.start($(effect 300 0) ~> df.sleep(3) ~> $(effect 301 0), 'sleep')")
    psql_t -c "INSERT INTO expected VALUES ('$id', 300), ('$id', 301)"
  done
  for i in $(seq 1 3); do   # a signal wait, signalled after the restart
    id=$(psql_t -c "SELECT df.start($(effect 400 0) ~> df.wait_for_signal('go') ~> $(effect 401 0), 'signal')")
    psql_t -c "INSERT INTO expected VALUES ('$id', 400), ('$id', 401)"
  done
}

verify_workload() {
  local ids id
  ids=$(psql_t -c "SELECT id FROM df.instances WHERE label = 'signal'")
  for id in $ids; do   # wait until the instance reached its wait, then signal it
    wait_for "EXISTS (SELECT 1 FROM effects WHERE instance = '$id' AND step = 400)" 60
    psql_t -c "SELECT df.signal('$id', 'go', '{\"ok\": true}')" >/dev/null
  done
  wait_for "NOT EXISTS (SELECT 1 FROM df.instances WHERE status NOT IN ('completed', 'failed', 'cancelled'))" 90  # terminal statuses: ext/engine/instance_status.hpp
  local bad
  bad=$(psql_t -c "SELECT id || ' ' || label || ' ' || status FROM df.instances WHERE status <> 'completed'")
  [ -z "$bad" ] || fail "instances not completed: $bad"
  bad=$(psql_t -c "SELECT instance || ':' || step || ' x' || count(*) FROM effects GROUP BY instance, step HAVING count(*) <> 1")
  [ -z "$bad" ] || fail "effects not exactly once: $bad"
  bad=$(psql_t -c "(SELECT instance, step FROM expected EXCEPT SELECT instance, step FROM effects)
                   UNION ALL (SELECT instance, step FROM effects EXCEPT SELECT instance, step FROM expected)")
  [ -z "$bad" ] || fail "effects differ from expected: $bad"
  [ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks")" = 0 ] || fail "tasks left behind"
  note "$(psql_t -c "SELECT count(*) FROM df.instances") instances completed, $(psql_t -c "SELECT count(*) FROM effects") effects, each exactly once"
}

# The pid of an executor sleeping inside a step's statement, waiting up to 20 s for one.
executor_mid_step() {
  local pid=""
  for _ in $(seq 1 200); do
    pid=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event = 'PgSleep' LIMIT 1" 2>/dev/null || true)
    [ -n "$pid" ] && { echo "$pid"; return 0; }
    sleep 0.1
  done
  return 1
}
