#!/bin/bash
# t_hostile_input — issue 11's crash inputs, replayed against a real server: each must
# end in a clean error or a normal result, and the server log must show no backend
# terminated by a signal (a crash-restart would keep pg_postmaster_start_time(), so the
# log is the witness). Checks may be added per input below.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.enable_superuser_instances = on"
start_server
psql_t -c "CREATE EXTENSION pg_durable" >/dev/null

# expect_clean NAME SQL [TEXT] — SQL must not kill the backend; with TEXT, its output
# (result or error) must contain TEXT.
expect_clean() {
  local name=$1 sql=$2 want=${3:-} out
  out=$(psql_t -c "$sql" 2>&1 || true)
  if grep -qE "server closed the connection|terminated abnormally|connection to server was lost" <<<"$out"; then
    fail "$name: the backend died: $out"
  fi
  if [ -n "$want" ] && ! grep -qF -- "$want" <<<"$out"; then
    fail "$name: expected '$want', got: $(echo "$out" | head -c 600)"
  fi
  note "$name: clean"
}

# expect_value NAME SQL VALUE — SQL must succeed and print exactly VALUE.
expect_value() {
  local out
  out=$(psql_t -c "$2" 2>&1) || fail "$1: failed: $out"
  [ "$out" = "$3" ] || fail "$1: expected '$3', got: $(echo "$out" | head -c 600)"
  note "$1: clean"
}

# Item 1: a number literal RapidJSON 1.1.0's full-precision conversion read out of bounds.
expect_value "long number literal in wire JSON" \
  "SELECT df.explain('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":0.' || repeat('0', 340) || '18446744073709551615}') IS NOT NULL" t
expect_value "long number literal in df.start" \
  "SELECT df.start('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":0.' || repeat('0', 340) || '18446744073709551615}') IS NOT NULL" t
expect_value "tiny long literal" \
  "SELECT df.explain('{\"node_type\":\"SQL\",\"query\":\"SELECT 1\",\"x\":-0.08155857353870334558972e-329}') IS NOT NULL" t
# Item 2: deep nesting in the textual language, refused at the first place past the limit.
expect_clean "100,000 open parentheses" "SELECT df.compile(repeat('(', 100000))" "1:257: error: Graph exceeds maximum nesting depth of 256"
nested="repeat('''a'' ~> (', 10000) || '''x''' || repeat(')', 10000)"
expect_clean "10,000-deep ~> nesting (df.compile)" "SELECT df.compile($nested)" "Graph exceeds maximum nesting depth of 256"
expect_clean "10,000-deep ~> nesting (df.deploy)" "SELECT * FROM df.deploy('deep', $nested)" "Graph exceeds maximum nesting depth of 256"
expect_clean "100,000 @> prefixes" "SELECT df.compile(repeat('@> ', 100000) || '''a''')" "Graph exceeds maximum nesting depth of 256"
# Item 3: a 100,000-step flat chain (1.9 MB) is refused at once, not compiled for minutes.
chain="SELECT df.compile(string_agg(format('''SELECT %s''', i), ' ~> ' ORDER BY i)) FROM generate_series(1, 100000) i"
expect_clean "100,000-step chain, max_source_bytes raised" \
  "SET pg_durable.max_source_bytes = '4MB'; SET statement_timeout = '30s'; $chain" "Graph exceeds maximum nesting depth of 256"
expect_clean "100,000-step chain above max_source_bytes" "$chain" "workflow source is too large"
# Item 5: durations beyond 100 years are refused where they are built.
expect_clean "df.sleep overflow" "SELECT df.sleep(9300000000000)" "Sleep duration must be between 0 and 3153600000 seconds"
expect_clean "df.sleep bigint max" "SELECT df.sleep(9223372036854775807)" "Sleep duration must be between 0 and 3153600000 seconds"
expect_clean "wire JSON sleep overflow" "SELECT df.start('{\"node_type\":\"SLEEP\",\"query\":\"9300000000000\"}')" "Sleep duration must be between"
expect_clean "textual sleep overflow" "SELECT df.compile('df.sleep(9300000000000)')" "Sleep duration must be between"

if grep -q "terminated by signal" "$T_LOG"; then fail "server log shows a backend terminated by a signal"; fi
note "no backend terminated by a signal"
