#!/bin/bash
# t_exec_other_database_no2pc — with max_prepared_transactions = 0 a step in another
# database commits there before its checkpoint (at-least-once, as documented) and the
# workflow still runs to its end; a df.timeout cancels a statement there before it commits.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "max_prepared_transactions = 0" \
             "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app')" >/dev/null
psql_t -c "CREATE DATABASE other"
T_DB=other psql_t -c "CREATE TABLE t (v int)" -c "GRANT ALL ON t TO app"
id=$(psql_t -c "SET ROLE app" -c "SELECT df.start(('INSERT INTO t VALUES (7) RETURNING v' |=> 'x') ~> 'SELECT sum(v) + \$x AS s FROM t', database => 'other')" | tail -1)
wait_for "df.status('$id') = 'completed'" 30
[ "$(psql_t -c "SELECT df.result('$id')")" = '{"rows": [{"s": 14}], "row_count": 1}' ] || fail "unexpected result: $(psql_t -c "SELECT df.result('$id')")"
[ "$(T_DB=other psql_t -c "SELECT count(*) FROM t")" = 1 ] || fail "effect missing in other"
note "without two-phase commit the steps run and commit in other"

# a df.timeout that runs out cancels the statement in other, which never commits there
id=$(psql_t -c "SET ROLE app" -c "SELECT df.start(df.timeout('INSERT INTO t SELECT 8 FROM pg_sleep(60)', 1), database => 'other')" | tail -1)
wait_for "df.status('$id') = 'failed'" 20
wait_for "NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = 'other' AND wait_event = 'PgSleep')" 10
[ "$(T_DB=other psql_t -c "SELECT count(*) FROM t WHERE v = 8")" = 0 ] || fail "the timed-out statement committed in other"
note "df.timeout cancels a statement in other before it commits"
