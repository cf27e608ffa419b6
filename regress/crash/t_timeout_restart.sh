#!/bin/bash
# t_timeout_restart — a df.timeout around a sub-workflow is a durable timer: the server is
# killed (immediate shutdown) while the timeout is pending over a sequence whose join runs
# a long statement and waits for a signal; after the restart the timer fires, the running
# statement is cancelled, the wait dropped, and the handler sees SQLSTATE 57014. A second
# instance's deadline passes while the server is down: it fires at once on restart.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t >/dev/null 2>&1 <<'SQL'
CREATE ROLE app LOGIN;
SELECT df.grant_usage('app');
CREATE TABLE effects (instance text, step text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON effects TO app;
SQL

note "a timeout of 6 s over a sequence and a join (a running statement, a signal wait)"
id=$(app_sql "SELECT df.start(df.catch(df.timeout(
    \$\$INSERT INTO effects VALUES ('{sys_instance_id}', 'before')\$\$
    ~> ('SELECT pg_sleep(600)' & df.wait_for_signal('never')), 6),
  \$\$INSERT INTO effects VALUES ('{sys_instance_id}', 'handled ' || \$error.sqlstate)\$\$))")
wait_for "EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event = 'PgSleep')"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks WHERE instance_id = '$id' AND kind = 'timer'")" = 1 ] ||
  fail "no durable timer for the timeout of $id"
[ "$(psql_t -c "SELECT status FROM df.nodes WHERE instance_id = '$id' AND node_type = 'TIMEOUT'")" = running ] ||
  fail "the TIMEOUT of $id is not running"
[ "$(psql_t -c "SELECT count(*) FROM effects WHERE step LIKE 'handled%'")" = 0 ] ||
  fail "a timeout fired before the crash"
note "a timeout of 1 s over a sleep, whose deadline passes while the server is down"
id2=$(app_sql "SELECT df.start(df.catch(df.timeout(df.sleep(600), 1),
  \$\$INSERT INTO effects VALUES ('{sys_instance_id}', 'handled ' || \$error.sqlstate)\$\$))")
note "immediate shutdown; down for 2 s"
stop_server immediate
sleep 2
start_server
wait_for "$worker_ready_sql"
st=$(app_sql "SELECT df.await_instance('$id', 60)")
[ "$st" = completed ] || fail "instance $id is $st after the restart"
st=$(app_sql "SELECT df.await_instance('$id2', 60)")
[ "$st" = completed ] || fail "instance $id2 is $st after the restart"
for i in "$id" "$id2"; do
  [ "$(psql_t -c "SELECT count(*) = 1 AND min(at) >= pg_postmaster_start_time() FROM effects
                  WHERE instance = '$i' AND step = 'handled 57014'")" = t ] ||
    fail "expected one handler run after the restart for $i: $(psql_t -c 'SELECT * FROM effects')"
  [ "$(psql_t -c "SELECT status || ' ' || (status_details->'error'->>'sqlstate')
                  FROM df.nodes WHERE instance_id = '$i' AND node_type = 'TIMEOUT'")" = "failed 57014" ] ||
    fail "the TIMEOUT of $i is not failed with 57014"
done
[ "$(psql_t -c "SELECT count(*) FROM effects WHERE instance = '$id' AND step = 'before'")" = 1 ] ||
  fail "the step before the join ran more than once"
wait_for "NOT EXISTS (SELECT 1 FROM _duroxide.tasks WHERE instance_id IN ('$id', '$id2'))" 20
wait_for "NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND wait_event = 'PgSleep')" 20
note "ok"
