#!/bin/bash
# t_exec_cron — df.wait_for_schedule('* * * * *') twice in a row: each wait ends within
# 5 s after a UTC minute boundary, the second one minute after the first (docs/reference.md
# §11: the next tick strictly after the time the wait is reached). Takes up to 2 minutes.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.enable_superuser_instances = on"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE TABLE ticks (n int, at timestamptz DEFAULT clock_timestamp())"
id=$(psql_t -c "SELECT df.start(df.wait_for_schedule('* * * * *') ~> 'INSERT INTO ticks (n) VALUES (1)'
                               ~> df.wait_for_schedule('* * * * *') ~> 'INSERT INTO ticks (n) VALUES (2)')")
wait_for "df.status('$id') = 'completed'" 150
[ "$(psql_t -c "SELECT count(*) FROM ticks WHERE extract(second FROM at AT TIME ZONE 'UTC') < 5")" = 2 ] \
  || fail "ticks not within 5 s of a minute boundary: $(psql_t -c "SELECT string_agg(at::text, ', ') FROM ticks")"
[ "$(psql_t -c "SELECT (max(at) - min(at)) BETWEEN interval '55 s' AND interval '65 s' FROM ticks")" = t ] \
  || fail "the second tick is not one minute after the first"
[ "$(psql_t -c "SELECT count(*) FROM df.nodes WHERE instance_id = '$id' AND node_type = 'WAIT_SCHEDULE' AND result = '{\"scheduled\": true}'")" = 2 ] \
  || fail "WAIT_SCHEDULE results not {\"scheduled\": true}"
note "two consecutive minute ticks: $(psql_t -c "SELECT string_agg(to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), ' and ' ORDER BY n) FROM ticks")"
