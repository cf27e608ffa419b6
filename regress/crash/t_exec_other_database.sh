#!/bin/bash
# t_exec_other_database — df.start(..., database => 'other'): steps run in that database as
# the submitter. With max_prepared_transactions > 0 each step is prepared there and
# committed after its checkpoint (exactly once, also across kill -9 of the executor);
# without it, steps commit before their checkpoint (at-least-once). df.timeout and df.cancel
# cancel a statement running there.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "max_prepared_transactions = 10" \
             "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app')" >/dev/null
psql_t -c "CREATE DATABASE other"
T_DB=other psql_t -c "CREATE TABLE t (v int)" -c "GRANT ALL ON t TO app" -c "CREATE TABLE secret (v int)"
as_app() { psql_t -c "SET ROLE app" -c "$1" | tail -1; }

id=$(as_app "SELECT df.start('INSERT INTO t VALUES (1)' ~> 'SELECT count(*) AS n, current_database() AS db, current_user AS u FROM t', database => 'other')")
wait_for "df.status('$id') = 'completed'" 30
[ "$(psql_t -c "SELECT df.result('$id')")" = '{"rows": [{"n": 1, "u": "app", "db": "other"}], "row_count": 1}' ] \
  || fail "unexpected result: $(psql_t -c "SELECT df.result('$id')")"
[ "$(T_DB=other psql_t -c "SELECT count(*) FROM t")" = 1 ] || fail "effect not exactly once in other"
[ "$(psql_t -c "SELECT count(*) FROM pg_prepared_xacts")" = 0 ] || fail "prepared transactions left behind"
# the executor drops its record of a committed prepared step at once (not the scheduler's
# cleanup a minute later)
wait_for "NOT EXISTS (SELECT 1 FROM _duroxide.prepared_steps)" 5
note "steps ran in database other as app, prepared and committed"

id=$(as_app "SELECT df.start('SELECT * FROM secret', database => 'other')")
wait_for "df.status('$id') = 'failed'" 30
grep -q "permission denied for table secret" <<<"$(psql_t -c "SELECT result FROM df.nodes WHERE instance_id = '$id'")" \
  || fail "privileges not applied in other"
[ "$(psql_t -c "SELECT count(*) FROM pg_prepared_xacts")" = 0 ] || fail "a failed step left a prepared transaction"
note "privileges apply in other; a failed step prepares nothing"

# kill -9 the executor while a remote step sleeps: the step is retried, its effect exactly once
id=$(as_app "SELECT df.start('INSERT INTO t SELECT 2 FROM pg_sleep(1.5)' ~> 'INSERT INTO t VALUES (3)', database => 'other')")
for _ in $(seq 1 100); do
  pid=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable executor' AND query LIKE '%INSERT INTO t SELECT 2%'")
  [ -n "$pid" ] && break; sleep 0.05
done
[ -n "$pid" ] || fail "the remote step was never seen running"
kill -9 "$pid"
sleep 1
wait_for "$worker_ready_sql" 60
wait_for "df.status('$id') = 'completed'" 60
[ "$(T_DB=other psql_t -c "SELECT count(*) FROM t WHERE v IN (2, 3)")" = 2 ] || fail "effects not exactly once after the kill"
wait_for "NOT EXISTS (SELECT 1 FROM pg_prepared_xacts)" 30
note "kill -9 mid remote step: retried, each effect once, nothing left prepared"

# df.timeout and df.cancel interrupt a statement running in other: it is cancelled there
# (no backend of other still sleeps), its effect rolled back, nothing left prepared
remote_sleepers="(SELECT count(*) FROM pg_stat_activity WHERE datname = 'other' AND wait_event = 'PgSleep')"
id=$(as_app "SELECT df.start(df.catch(df.timeout('INSERT INTO t SELECT 8 FROM pg_sleep(60)', 1),
  'SELECT \$error.sqlstate AS sqlstate'), database => 'other')")
wait_for "df.status('$id') = 'completed'" 20
[ "$(psql_t -c "SELECT df.result('$id')::jsonb->'rows'->0->>'sqlstate'")" = 57014 ] || fail "the handler did not see 57014"
wait_for "$remote_sleepers = 0" 10
id=$(as_app "SELECT df.start('INSERT INTO t SELECT 9 FROM pg_sleep(60)', database => 'other')")
wait_for "$remote_sleepers = 1" 20
as_app "SELECT df.cancel('$id')" >/dev/null
wait_for "$remote_sleepers = 0" 10
[ "$(T_DB=other psql_t -c "SELECT count(*) FROM t WHERE v IN (8, 9)")" = 0 ] || fail "a cancelled remote statement left its effect"
wait_for "NOT EXISTS (SELECT 1 FROM pg_prepared_xacts)" 30
note "df.timeout and df.cancel cancel the statement in other; nothing of it stays"
