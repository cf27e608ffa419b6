# lib.sh — shared helpers of the crash and restart tests (sourced by t_*.sh).
#
# Each test gets its own cluster: a relocated server with pg_durable installed, a data
# directory in a scratch dir outside the checkout, run as the unprivileged `postgres`
# OS user, on its own port and socket directory. Only processes this test started are
# ever stopped or killed, always by pid.
set -euo pipefail
CRASH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BUILD_DIR:=$CRASH_ROOT/build}"
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pg_durable-crash.XXXXXX")
chmod 755 "$T_DIR"
T_PORT=$(( 29000 + RANDOM % 2000 ))
T_DATA="$T_DIR/data"
T_LOG="$T_DIR/server.log"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
fail() { echo "FAIL: $*" >&2; echo "--- server log (tail) ---" >&2; tail -40 "$T_LOG" >&2 || true; exit 1; }
note() { echo "-- $*"; }

T_BIN=$("$CRASH_ROOT/regress/make_tmp_install.sh" "$BUILD_DIR" "$T_DIR/install")
[ "$(id -u)" = 0 ] && chown -R postgres: "$T_DIR"

# init_cluster [extra postgresql.conf lines...]
init_cluster() {
  as_pg "$T_BIN/initdb" -D "$T_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "port = $T_PORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$T_DIR'"
    echo "max_worker_processes = 32"
    echo "restart_after_crash = on"
    for line in "$@"; do echo "$line"; done
  } >> "$T_DATA/postgresql.conf"
}
start_server() { as_pg "$T_BIN/pg_ctl" -D "$T_DATA" -l "$T_LOG" -w -t 60 start >/dev/null || fail "server did not start"; }
stop_server() { as_pg "$T_BIN/pg_ctl" -D "$T_DATA" -m "${1:-fast}" -w stop >/dev/null 2>&1 || true; }
postmaster_pid() { head -1 "$T_DATA/postmaster.pid"; }
cleanup() {
  if [ -f "$T_DATA/postmaster.pid" ]; then stop_server immediate; fi
  if [ "${KEEP_CRASH_DIR:-0}" != 1 ]; then rm -rf "$T_DIR"; fi
}
trap cleanup EXIT

psql_t() { as_pg "$T_BIN/psql" -X -q -At -h "$T_DIR" -p "$T_PORT" -U postgres -d "${T_DB:-postgres}" -v ON_ERROR_STOP=1 "$@"; }

# wait_for "SQL returning a boolean" [seconds] — polls until true; fails on timeout.
wait_for() {
  local sql=$1 secs=${2:-30} i
  for i in $(seq 1 $((secs * 10))); do
    [ "$(psql_t -c "SELECT ($sql)" 2>/dev/null || true)" = t ] && return 0
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $sql"
}
scheduler_pid() { psql_t -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_durable scheduler'" 2>/dev/null || true; }
worker_ready_sql="EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '_duroxide' AND c.relname = '_worker_ready')"

# --- HTTP tests (t_http_*.sh) ---
# start_http_server — runs http_server.py in the background (killed at exit by pid), every
# request logged as one JSON line to $HTTP_LOG; sets HTTP_PORT and BASE (http://127.0.0.1:port).
start_http_server() {
  HTTP_LOG="$T_DIR/http_requests.log"
  : > "$HTTP_LOG"
  python3 "$CRASH_ROOT/regress/crash/http_server.py" "$T_DIR/http_port" "$HTTP_LOG" &
  HTTP_PID=$!
  trap 'kill "$HTTP_PID" 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 100); do [ -f "$T_DIR/http_port" ] && break; sleep 0.1; done
  [ -f "$T_DIR/http_port" ] || fail "test HTTP server did not start"
  HTTP_PORT=$(cat "$T_DIR/http_port")
  BASE="http://127.0.0.1:$HTTP_PORT"
}
# start_http_cluster HTTP_MODE [extra postgresql.conf lines...] — a started cluster with
# pg_durable created, its worker ready, and a LOGIN role `app` granted usage with HTTP.
start_http_cluster() {
  local mode=$1; shift
  init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200" \
    "pg_durable.http_mode = $mode" "$@"
  start_server
  psql_t -c "CREATE EXTENSION pg_durable"
  wait_for "$worker_ready_sql"
  psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app', true)" >/dev/null 2>&1
}
# app_sql SQL — runs SQL as the role $ROLE (default app).
app_sql() { psql_t -c "SET ROLE ${ROLE:-app}" -c "$1"; }
