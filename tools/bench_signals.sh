#!/bin/bash
# bench_signals.sh — time N one-KB signals sent, one transaction each, to an instance that
# waits elsewhere (every signal is buffered), on a scratch cluster of BUILD_DIR's build.
# Issue 11 item 7: the cost per signal must not grow with the backlog.
# usage: BUILD_DIR=build tools/bench_signals.sh 1000 2000 4000 10000
source "$(dirname "$0")/../regress/crash/lib.sh"
trap cleanup EXIT
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.max_buffered_signals = 100000"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app')" >/dev/null 2>&1
for n in "$@"; do
  id=$(psql_t -c "SET ROLE app" -c "SELECT df.start(df.wait_for_signal('first') ~> df.wait_for_signal('x'))")
  for _ in $(seq "$n"); do echo "SELECT df.signal('$id', 'x', repeat('a', 1024));"; done > "$T_DIR/signals.sql"
  chmod 644 "$T_DIR/signals.sql"
  start=$(date +%s.%N)
  psql_t -c "SET ROLE app" -f "$T_DIR/signals.sql" >/dev/null
  end=$(date +%s.%N)
  printf '%6d signals: %6.1f s\n' "$n" "$(echo "$end - $start" | bc)"
  psql_t -c "SET ROLE app" -c "SELECT df.cancel('$id')" >/dev/null
done
