#!/bin/bash
# t_http_ssrf — the outbound HTTP policy refuses internal targets, with the REFERENCE §16
# texts read back from df.nodes: http_mode = public (loopback, private, metadata, IPv6
# loopback, localhost, file://, gopher://), the EXECUTE privilege re-check on hand-made
# nodes, then allowlist and off. A local server is running, so a refused request that
# slipped through would succeed instead of failing: the test also checks that the server
# never saw one.
source "$(dirname "$0")/lib.sh"
start_http_server
PORT=$HTTP_PORT  # the test server's port, in the URLs below

start_http_cluster public

node_result() {
  psql_t -c "SELECT result #>> '{}' FROM df.nodes WHERE instance_id = '$1' AND node_type LIKE 'HTTP%'"
}
# refused GRAPH_SQL EXPECTED_TEXT — the instance fails with exactly that node result.
refused() {
  local id st
  id=$(app_sql "SELECT df.start($1)") || fail "df.start failed for: $1"
  st=$(app_sql "SELECT df.await_instance('$id', 60)")
  [ "$st" = failed ] || fail "[$1] is $st, expected failed: $(node_result "$id")"
  [ "$(node_result "$id")" = "$2" ] || fail "[$1] failed with: $(node_result "$id")
expected: $2"
}
restricted() {
  echo "Blocked: the resolved IP address for '$1' is in a restricted range. df.http() cannot access private or internal network addresses."
}
scheme() { echo "Blocked: unsupported URL scheme '$1'. Only http and https are allowed."; }

note "public mode: internal addresses are refused"
refused "df.http('http://127.0.0.1:$PORT/json', 'GET')" "$(restricted 127.0.0.1)"
refused "df.http('http://10.1.2.3/x', 'GET')" "$(restricted 10.1.2.3)"
refused "df.http('http://169.254.169.254/latest/meta-data/', 'GET')" "$(restricted 169.254.169.254)"
refused "df.http('http://[::1]:$PORT/json', 'GET')" "$(restricted ::1)"
refused "df.http('http://localhost:$PORT/json', 'GET')" "$(restricted localhost)"
refused "df.http('http://user@LOCALHOST.:$PORT/json', 'POST')" "$(restricted localhost)"
refused "df.http('http://2130706433:$PORT/json', 'GET')" "$(restricted 2130706433)"
refused "df.http('http://[::ffff:127.0.0.1]:$PORT/json', 'GET')" "$(restricted ::ffff:127.0.0.1)"
refused "df.http_multipart('http://127.0.0.1:$PORT/upload', 'POST', '[{\"name\":\"a\",\"data_b64\":\"AA==\"}]'::jsonb)" \
  "$(restricted 127.0.0.1)"

note "public mode: a CR/LF anywhere in the URL is refused before DNS (not as a restricted address)"
crlf_prefix="http://localhost:$PORT/json"
refused "df.http(E'$crlf_prefix\\r\\nX-Injected: 1', 'GET')" \
  "HTTP request failed: invalid URL: byte 0x0d at offset ${#crlf_prefix} (control characters and spaces are not allowed in a URL)"

note "schemes other than http/https (reaching the node through a variable)"
app_sql "SELECT df.setvar('file_url', 'file:///etc/passwd')" >/dev/null
app_sql "SELECT df.setvar('gopher_url', 'gopher://127.0.0.1:$PORT/_GET')" >/dev/null
refused "df.http('{file_url}', 'GET')" "$(scheme file)"
refused "df.http('{gopher_url}', 'GET')" "$(scheme gopher)"

[ -s "$HTTP_LOG" ] && fail "a refused request reached the server: $(cat "$HTTP_LOG")"

note "a hand-made HTTP node is re-authorised: EXECUTE on df.http is required"
psql_t -c "CREATE ROLE nohttp LOGIN" -c "SELECT df.grant_usage('nohttp')" >/dev/null 2>&1
graph=$(psql_t -c "SELECT df.http('http://example.invalid/', 'GET')")
ROLE=nohttp refused "\$g\$$graph\$g\$" \
  "Blocked: role 'nohttp' does not have EXECUTE privilege on df.http(). Grant EXECUTE ON FUNCTION df.http(text,text,text,jsonb,integer) TO nohttp to allow HTTP requests."

# Built now: whether df.http itself refuses to build in off mode is the SQL surface's call.
graph_off=$(psql_t -c "SELECT df.http('https://api.example.com/', 'GET')")

note "allowlist mode"
psql_t -c "ALTER SYSTEM SET pg_durable.http_mode = 'allowlist'" \
  -c "ALTER SYSTEM SET pg_durable.http_allowed_hosts = '.example.com, localhost'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
refused "df.http('http://127.0.0.1:$PORT/json', 'GET')" \
  "Blocked: requests to bare IP addresses are not permitted. Use an approved Azure service hostname instead."
refused "df.http('http://evil-example.com/', 'GET')" \
  "Blocked: 'evil-example.com' is not in the allowed endpoint list. Only requests to approved Azure service domains are permitted."
# allowed by name, refused by address
refused "df.http('http://localhost:$PORT/json', 'GET')" "$(restricted localhost)"

note "off mode"
psql_t -c "ALTER SYSTEM SET pg_durable.http_mode = 'off'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
id=$(app_sql "SELECT df.start(\$g\$$graph_off\$g\$)")
[ "$(app_sql "SELECT df.await_instance('$id', 60)")" = failed ] || fail "off mode did not fail the node"
case "$(node_result "$id")" in
  "Blocked: outbound HTTP requests are disabled."*pg_durable.http_mode*) ;;
  *) fail "off mode text: $(node_result "$id")" ;;
esac
[ -s "$HTTP_LOG" ] && fail "a refused request reached the server: $(cat "$HTTP_LOG")"
note "ok"
