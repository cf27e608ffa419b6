#!/bin/bash
# t_http_cancel — df.cancel interrupts an HTTP step that is waiting on a slow server: the
# instance is cancelled at once and the only executor is free again long before the
# server would have answered. Then SIGTERM of an executor stuck in a slow request: the
# postmaster replaces it and the step is retried (HTTP is at-least-once), with the same
# Idempotency-Key. A df.timeout around a slow request aborts it the same way.
source "$(dirname "$0")/lib.sh"
start_http_server

start_http_cluster all "pg_durable.max_workers = 1"
seen() { [ "$(grep -c "\"path\": \"$1\"" "$HTTP_LOG" || true)" -ge "${2:-1}" ]; }
wait_seen() {
  local i
  for i in $(seq 1 300); do seen "$@" && return 0; sleep 0.1; done
  fail "the server never received $1"
}

note "cancel during a 60 s request"
id=$(app_sql "SELECT df.start(df.http('$BASE/slow?s=60', 'GET', NULL, NULL, 120))")
wait_seen "/slow?s=60"
app_sql "SELECT df.cancel('$id')" >/dev/null
[ "$(app_sql "SELECT df.status('$id')")" = cancelled ] || fail "not cancelled"
# The single executor must be free again well before the 60 s request would end.
id2=$(app_sql "SELECT df.start(df.http('$BASE/json', 'GET'))")
[ "$(app_sql "SELECT df.await_instance('$id2', 15)")" = completed ] ||
  fail "the executor stayed stuck in the cancelled request"
[ "$(app_sql "SELECT df.status('$id')")" = cancelled ] || fail "cancelled instance changed status"

note "df.timeout of 1 s around a 60 s request: the request is aborted, the handler runs"
id=$(app_sql "SELECT df.start(df.catch(df.timeout(df.http('$BASE/slow?s=61', 'GET', NULL, NULL, 120), 1),
  'SELECT \$error.sqlstate AS sqlstate'))")
[ "$(app_sql "SELECT df.await_instance('$id', 15)")" = completed ] || fail "the timed-out HTTP step was not handled"
[ "$(app_sql "SELECT df.result('$id')::jsonb->'rows'->0->>'sqlstate'")" = 57014 ] || fail "the handler did not see 57014"
id2=$(app_sql "SELECT df.start(df.http('$BASE/json', 'GET'))")
[ "$(app_sql "SELECT df.await_instance('$id2', 15)")" = completed ] ||
  fail "the executor stayed stuck in the timed-out request"

note "SIGTERM of the executor during a request: replaced, the step is retried"
id=$(app_sql "SELECT df.start(df.http('$BASE/slow?s=3', 'GET', NULL, NULL, 60))")
wait_seen "/slow?s=3"
pid=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type LIKE 'pg_durable executor%' LIMIT 1")
[ -n "$pid" ] || fail "no executor found"
kill -TERM "$pid"
[ "$(app_sql "SELECT df.await_instance('$id', 60)")" = completed ] || fail "instance did not complete after the retry"
seen "/slow?s=3" 2 || fail "the step was not retried"
keys=$(grep '"path": "/slow?s=3"' "$HTTP_LOG" | python3 -c "
import json, sys
print(len({json.loads(l)['headers']['idempotency-key'] for l in sys.stdin}))")
[ "$keys" = 1 ] || fail "the retry used a different Idempotency-Key"
note "ok"
