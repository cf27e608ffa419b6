#!/bin/bash
# t_hostile_input — issue 11's crash inputs, replayed against a real server: each must
# end in a clean error or a normal result, and the server log must show no backend
# terminated by a signal (a crash-restart would keep pg_postmaster_start_time(), so the
# log is the witness). Checks may be added per input below.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'"
start_server
psql_t -c "CREATE EXTENSION pg_durable" >/dev/null

# expect_clean NAME SQL [TEXT] — SQL must not kill the backend; with TEXT, its output
# (result or error) must contain TEXT.
expect_clean() {
  local name=$1 sql=$2 want=${3:-} out
  out=$(psql_t -c "$sql" 2>&1 || true)
  if echo "$out" | grep -qE "server closed the connection|terminated abnormally|connection to server was lost"; then
    fail "$name: the backend died: $out"
  fi
  if [ -n "$want" ] && ! echo "$out" | grep -qF -- "$want"; then
    fail "$name: expected '$want', got: $(echo "$out" | head -c 600)"
  fi
  note "$name: clean"
}

# Item 1: a number literal RapidJSON 1.1.0's full-precision conversion read out of bounds.
expect_clean "long number literal in wire JSON" \
  "SELECT df.explain('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":0.' || repeat('0', 340) || '18446744073709551615}') IS NOT NULL" "t"
expect_clean "long number literal in df.start" \
  "SELECT df.start('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":0.' || repeat('0', 340) || '18446744073709551615}') IS NOT NULL" "t"
expect_clean "tiny long literal" \
  "SELECT df.explain('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":-0.08155857353870334558972e-329}') IS NOT NULL" "t"

if grep -q "terminated by signal" "$T_LOG"; then fail "server log shows a backend terminated by a signal"; fi
note "no backend terminated by a signal"
