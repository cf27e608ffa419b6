#!/bin/bash
# canary.sh — shows that the sanitizer run of tools/dev test --sanitize can fail: loads
# canary.c (a heap overflow, a signed overflow, a leak) into a server of that run and
# checks that each fault leaves its ASan, UBSan or LSan report where tools/dev looks
# ($DF_SANITIZE_RUNTIME/reports, the server log) and that the faulting backend aborts (a
# crash, not an ordinary exit). Run by tools/dev only, with KEEP_CRASH_DIR=1: it then
# requires its own report check to find all three (so that check can fail too).
set -euo pipefail
: "${DF_SANITIZE_RUNTIME:?run by tools/dev test --sanitize}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../regress/crash/lib.sh
. "$HERE/../../regress/crash/lib.sh"
REPORTS=$DF_SANITIZE_RUNTIME/reports

gcc -shared -fPIC -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -I"$(pg_config --includedir-server)" -o "$T_DIR/canary.so" "$HERE/canary.c"
[ "$(id -u)" = 0 ] && chown postgres: "$T_DIR/canary.so"
init_cluster
start_server
psql_t -c "CREATE FUNCTION canary_heap_overflow(int) RETURNS int AS '$T_DIR/canary.so' LANGUAGE C STRICT" \
       -c "CREATE FUNCTION canary_signed_overflow(int, int) RETURNS int AS '$T_DIR/canary.so' LANGUAGE C STRICT" \
       -c "CREATE FUNCTION canary_leak(int) RETURNS void AS '$T_DIR/canary.so' LANGUAGE C STRICT"

# expect_report NAME PATTERN SQL — runs SQL in a session of its own and waits until that
# backend's report file, or the server log (UBSan writes to stderr), holds PATTERN.
expect_report() {
  local name=$1 pattern=$2 sql=$3 pid f
  pid=$(psql_t -c "SELECT pg_backend_pid()" -c "$sql" 2>/dev/null | head -1 || true)
  [ -n "$pid" ] || fail "$name: no backend pid"
  for _ in $(seq 1 300); do
    for f in "$REPORTS"/*."$pid" "$T_LOG"; do
      if [ -e "$f" ] && grep -qF -- "$pattern" "$f"; then
        note "$name: reported"; return 0
      fi
    done
    sleep 0.1
  done
  fail "$name: no report with '$pattern' for backend $pid in $REPORTS or the server log"
}

expect_report "heap overflow (ASan)" "heap-buffer-overflow" "SELECT canary_heap_overflow(16)"
wait_for "true" 60
expect_report "signed overflow (UBSan)" "runtime error: signed integer overflow" "SELECT canary_signed_overflow(2147483647, 1)"
wait_for "true" 60
expect_report "leak at backend exit (LSan)" "canary_leak" "SELECT canary_leak(100)"
[ "$(grep -c "was terminated by signal 6: Aborted" "$T_LOG")" = 3 ] \
  || fail "the server log does not show the three faulting backends aborted by their sanitizer"
note "every kind of report was produced and found"
