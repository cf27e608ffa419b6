#!/bin/bash
# t_http_steps — HTTP steps end to end against a local python3 server (http_mode = all):
# every method, body and header substitution, JSON and binary responses, 404 succeeds,
# 500 fails the node, 302 is not followed, timeouts, connection failures, a download
# chained into a multipart upload, and the Idempotency-Key the server receives.
source "$(dirname "$0")/lib.sh"
start_http_server

start_http_cluster all

# run_wf GRAPH_SQL [expected status] — starts as app, waits, prints the instance id.
run_wf() {
  local id st
  id=$(app_sql "SELECT df.start($1)") || fail "df.start failed for: $1"
  st=$(app_sql "SELECT df.await_instance('$id', 60)")
  [ "$st" = "${2:-completed}" ] || fail "instance $id of [$1] is $st, expected ${2:-completed}: $(node_result "$id")"
  echo "$id"
}
# node_result ID [node_type] — result of the instance's (first) HTTP node, as text.
node_result() {
  psql_t -c "SELECT result #>> '{}' FROM df.nodes WHERE instance_id = '$1'
             AND node_type = '${2:-HTTP}' ORDER BY created_at, id LIMIT 1"
}
# check ID SQL_BOOLEAN_OVER_r — r is the HTTP node's result (jsonb envelope).
check() {
  local ok
  ok=$(psql_t -c "SELECT ($2) FROM (SELECT result AS r FROM df.nodes WHERE instance_id = '$1'
                  AND node_type IN ('HTTP', 'HTTP_MULTIPART') ORDER BY node_type DESC LIMIT 1) s")
  [ "$ok" = t ] || fail "instance $1: expected $2; result: $(node_result "$1")"
}
requests_to() { grep -c "\"path\": \"$1\"" "$HTTP_LOG" || true; }

note "GET a JSON endpoint: the §8.3 envelope"
id=$(run_wf "df.http('$BASE/json', 'GET')")
check "$id" "(r->>'status')::int = 200 AND r->>'encoding' = 'text' AND (r->>'ok')::bool
             AND (r->>'body')::jsonb = '{\"hello\":\"world\",\"n\":42}'
             AND r->'headers'->>'content-type' = 'application/json'
             AND r->'headers'->>'x-test-server' = 'pg_durable' AND (r->>'duration_ms')::int >= 0
             AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r) k)
                 = '{body,duration_ms,encoding,headers,ok,status}'"

note "POST with body and header substitution; default User-Agent, Idempotency-Key, no Content-Type"
app_sql "SELECT df.setvar('who', 'alice')" >/dev/null
id=$(run_wf "'SELECT 7 AS n' |=> 'n' ~> df.http('$BASE/echo', 'POST', '{\"n\": \$n, \"who\": \"{who}\"}',
             '{\"X-N\": \"\$n\", \"X-Who\": \"{who}-{sys_instance_id}\", \"X-Num\": 5}'::jsonb)")
check "$id" "(r->>'body')::jsonb->>'body' = '{\"n\": 7, \"who\": \"alice\"}'
             AND (r->>'body')::jsonb->>'method' = 'POST'
             AND (r->>'body')::jsonb->'headers'->>'x-n' = '7'
             AND (r->>'body')::jsonb->'headers'->>'x-who' = 'alice-$id'
             AND NOT ((r->>'body')::jsonb->'headers' ? 'x-num')
             AND NOT ((r->>'body')::jsonb->'headers' ? 'content-type')
             AND (r->>'body')::jsonb->'headers'->>'user-agent' LIKE 'pg_durable/%'
             AND (r->>'body')::jsonb->'headers'->>'idempotency-key' LIKE '$id-%'"
grep -q "\"idempotency-key\": \"$id-" "$HTTP_LOG" || fail "server never saw Idempotency-Key $id-..."

note "a user header overrides User-Agent and sets Content-Type"
id=$(run_wf "df.http('$BASE/echo', 'POST', 'x=1', '{\"User-Agent\": \"mine\", \"Content-Type\": \"text/plain\"}'::jsonb)")
check "$id" "(r->>'body')::jsonb->'headers'->>'user-agent' = 'mine'
             AND (r->>'body')::jsonb->'headers'->>'content-type' = 'text/plain'"

note "GET, PUT, DELETE, PATCH"
id=$(run_wf "df.http('$BASE/echo', 'GET')")
check "$id" "(r->>'body')::jsonb->>'method' = 'GET' AND (r->>'body')::jsonb->>'body' = ''"
for m in PUT DELETE PATCH; do
  id=$(run_wf "df.http('$BASE/echo', '$m', 'payload-$m')")
  check "$id" "(r->>'body')::jsonb->>'method' = '$m' AND (r->>'body')::jsonb->>'body' = 'payload-$m'"
done

note "binary response comes back base64"
expected=$(python3 -c "import base64; print(base64.b64encode(bytes(range(256))).decode())")
id=$(run_wf "df.http('$BASE/binary', 'GET')")
check "$id" "r->>'encoding' = 'base64' AND r->>'body' = '$expected'"

note "a declared charset is honoured"
id=$(run_wf "df.http('$BASE/latin1', 'GET')")
check "$id" "r->>'encoding' = 'text' AND r->>'body' = 'café'"

note "404 succeeds with ok = false; 302 is returned, never followed"
id=$(run_wf "df.http('$BASE/status/404', 'GET')")
check "$id" "(r->>'status')::int = 404 AND NOT (r->>'ok')::bool AND r->>'body' = 'status 404 '"
before=$(requests_to /json)
id=$(run_wf "df.http('$BASE/redirect', 'GET')")
check "$id" "(r->>'status')::int = 302 AND r->'headers'->>'location' = '/json'"
[ "$(requests_to /json)" = "$before" ] || fail "the redirect was followed"

note "500 fails the node with the §16 text and a 512-byte preview"
id=$(run_wf "df.http('$BASE/status/500', 'GET')" failed)
[ "$(node_result "$id")" = "HTTP GET $BASE/status/500 returned 500: status 500 " ] ||
  fail "500 text: $(node_result "$id")"
id=$(run_wf "df.http('$BASE/status/503?long', 'POST')" failed)
msg=$(node_result "$id")
expected="HTTP POST $BASE/status/503?long returned 503: status 503 $(printf 'x%.0s' $(seq 1 501))…"
[ "$msg" = "$expected" ] || fail "long 5xx text: $msg"

note "timeout and connection failure"
id=$(run_wf "df.http('$BASE/slow?s=10', 'GET', NULL, NULL, 1)" failed)
[ "$(node_result "$id")" = "HTTP timeout after 1s: $BASE/slow?s=10" ] || fail "timeout text: $(node_result "$id")"
id=$(run_wf "df.http('http://127.0.0.1:1/x', 'GET')" failed)
case "$(node_result "$id")" in
  "HTTP connection failed: http://127.0.0.1:1/x - "*) ;;
  *) fail "connection failure text: $(node_result "$id")" ;;
esac

note "a download chained into a multipart upload"
sha=$(python3 -c "import hashlib; print(hashlib.sha256(bytes(range(256))).hexdigest())")
id=$(run_wf "df.http('$BASE/binary', 'GET') |=> 'dl' ~> df.http_multipart('$BASE/upload', 'POST',
             '[{\"name\": \"file\", \"data_b64\": \"\$dl.body\", \"filename\": \"b.bin\",
                \"content_type\": \"application/octet-stream\"},
               {\"name\": \"note\", \"data_b64\": \"aGVs\\nbG8=\"}]'::jsonb,
             '{\"Content-Type\": \"text/plain\"}'::jsonb)")
psql_t -c "SELECT (result->>'body')::jsonb FROM df.nodes WHERE instance_id = '$id' AND node_type = 'HTTP_MULTIPART'" |
  grep -q "\"sha256\": \"$sha\"" || fail "upload did not carry the downloaded bytes: $(node_result "$id" HTTP_MULTIPART)"
check "$id" "(r->>'body')::jsonb->1->>'name' = 'note' AND ((r->>'body')::jsonb->1->>'size')::int = 5
             AND (r->>'body')::jsonb->0->>'filename' = 'b.bin'
             AND (r->>'body')::jsonb->0->>'content_type' = 'application/octet-stream'"

note "multipart with bad base64 fails the node"
id=$(run_wf "df.http_multipart('$BASE/upload', 'POST', '[{\"name\": \"f\", \"data_b64\": \"***\"}]'::jsonb)" failed)
case "$(node_result "$id" HTTP_MULTIPART)" in
  "Invalid base64 in part 'f': "*) ;;
  *) fail "bad base64 text: $(node_result "$id" HTTP_MULTIPART)" ;;
esac
note "response size cap (pg_durable.http_max_response_bytes)"
psql_t -c "ALTER SYSTEM SET pg_durable.http_max_response_bytes = 1024" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
id=$(run_wf "df.http('$BASE/big?n=1024', 'GET')")
check "$id" "length(r->>'body') = 1024"
id=$(run_wf "df.http('$BASE/big?n=5000', 'GET')" failed)
[ "$(node_result "$id")" = "HTTP request failed: $BASE/big?n=5000 - response body exceeds pg_durable.http_max_response_bytes (1024 bytes)" ] ||
  fail "size cap text: $(node_result "$id")"
note "ok"
