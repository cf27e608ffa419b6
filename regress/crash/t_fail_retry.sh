#!/bin/bash
# t_fail_retry — retries survive a server crash and keep their guarantees:
#  1. the invoice loop: an HTTP call that gets 500, 500, 200 under df.retry completes its
#     iteration with three requests carrying the same Idempotency-Key, and the invoice it
#     marks paid is marked once;
#  2. the server is killed (immediate shutdown) while a step waits out its backoff: after
#     the restart the durable retry timer fires, the step's second attempt succeeds after
#     the restart, and its effect is there once. (A sequence makes the first attempt fail;
#     its value jumps after crash recovery, so the node's own count tells the attempts.)
source "$(dirname "$0")/lib.sh"
start_http_server
start_http_cluster all "pg_durable.loop_min_interval = 100"
psql_t >/dev/null <<'SQL'
CREATE TABLE invoices (id int PRIMARY KEY, status text, paid_count int DEFAULT 0);
INSERT INTO invoices VALUES (1, 'open');
GRANT ALL ON invoices TO app;
CREATE TABLE effects (attempt int, at timestamptz DEFAULT now());
GRANT ALL ON effects TO app;
CREATE SEQUENCE attempts;
GRANT USAGE ON SEQUENCE attempts TO app;
CREATE FUNCTION fail_first(n int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('attempts') <= n THEN RAISE EXCEPTION 'not yet' USING ERRCODE = '55P03'; END IF;
  RETURN currval('attempts')::int;
END $$;
GRANT EXECUTE ON FUNCTION fail_first(int) TO app;
SQL
app_sql() { psql_t -c "SET ROLE app" -c "$1"; }

note "invoice loop: HTTP 500, 500, 200 under df.retry"
id=$(app_sql "SELECT df.start(df.loop(
  'UPDATE invoices SET status = ''processing'' WHERE id = 1' ~>
  df.retry(df.http('$BASE/flaky/inv1/2', 'POST', '{\"invoice\":1}'), 5, 0.2, 1) ~>
  'UPDATE invoices SET status = ''paid'', paid_count = paid_count + 1 WHERE id = 1' ~>
  df.break('done')))")
st=$(app_sql "SELECT df.await_instance('$id', 60)")
[ "$st" = completed ] || fail "invoice instance $id is $st"
n=$(grep -c '"path": "/flaky/inv1/2"' "$HTTP_LOG" || true)
[ "$n" = 3 ] || fail "expected 3 requests to /flaky/inv1/2, got $n"
keys=$(grep '"path": "/flaky/inv1/2"' "$HTTP_LOG" | python3 -c '
import json, sys
print(len({json.loads(l)["headers"].get("idempotency-key") for l in sys.stdin}))')
[ "$keys" = 1 ] || fail "the three attempts carried $keys different Idempotency-Keys"
[ "$(psql_t -c "SELECT status || ':' || paid_count FROM invoices WHERE id = 1")" = "paid:1" ] ||
  fail "invoice not paid exactly once: $(psql_t -c 'SELECT * FROM invoices')"
[ "$(psql_t -c "SELECT status_details->>'attempts' FROM df.nodes WHERE instance_id = '$id' AND node_type = 'HTTP'")" = 3 ] ||
  fail "the HTTP node does not report 3 attempts"

note "kill the server during a backoff wait; the retry fires after the restart"
id=$(app_sql "SELECT df.start(df.retry('INSERT INTO effects SELECT fail_first(1)', 3, '3 seconds'))")
wait_for "EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = '$id' AND status_details->>'waiting' = 'retry')"
[ "$(psql_t -c "SELECT count(*) FROM _duroxide.tasks WHERE instance_id = '$id' AND kind = 'timer'")" = 1 ] ||
  fail "no durable retry timer while waiting"
stop_server immediate
start_server
wait_for "$worker_ready_sql"
st=$(app_sql "SELECT df.await_instance('$id', 60)")
[ "$st" = completed ] || fail "instance $id is $st after the restart"
[ "$(psql_t -c "SELECT count(*) = 1 AND min(at) >= pg_postmaster_start_time() FROM effects")" = t ] ||
  fail "expected one effect, written after the restart: $(psql_t -c 'SELECT * FROM effects')"
[ "$(psql_t -c "SELECT status_details->>'attempts' FROM df.nodes WHERE instance_id = '$id' AND node_type = 'SQL'")" = 2 ] ||
  fail "the SQL node does not report 2 attempts"
note "ok"
