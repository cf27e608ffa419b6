#!/bin/bash
# package_test.sh DEB_DIR — checks the Debian packages built by `tools/dev package` without
# touching the system: unpacks them (dpkg-deb -x) over a private relocated copy of the
# server, checks the library is stripped and has no test-only functions, then starts a
# cluster from it, creates the extension and runs examples/ as an ordinary role. Installing
# with apt-get on a throwaway machine is described in docs/install.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEB_DIR=$(realpath "$1")
fail() { echo "FAIL: $*" >&2; [ -f "${T:-/nonexistent}/server.log" ] && tail -30 "$T/server.log" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pg_durable-pkg.XXXXXX"); chmod 755 "$T"
PORT=$(( 31000 + RANDOM % 2000 ))
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { [ -f "$T/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT

SYS_BINDIR=$(pg_config --bindir); SYS_LIBDIR=$(pg_config --pkglibdir); SYS_SHAREDIR=$(pg_config --sharedir)
mkdir -p "$T/root$(dirname "$SYS_BINDIR")" "$T/root$(dirname "$SYS_SHAREDIR")"
cp -a "$SYS_BINDIR" "$T/root$SYS_BINDIR"
cp -as "$SYS_LIBDIR" "$T/root$SYS_LIBDIR"
cp -as "$SYS_SHAREDIR" "$T/root$SYS_SHAREDIR"
rm -f "$T/root$SYS_LIBDIR/pg_durable.so" "$T/root$SYS_SHAREDIR"/extension/pg_durable*   # a dev install, if any
for deb in "$DEB_DIR"/postgresql-15-pg-durable_*.deb "$DEB_DIR"/pg-durable-dfc_*.deb; do
  [ -f "$deb" ] || fail "missing package in $DEB_DIR (run tools/dev package)"
  dpkg-deb -x "$deb" "$T/root"
done
LIB="$T/root$SYS_LIBDIR/pg_durable.so"
ls "$DEB_DIR"/postgresql-15-pg-durable-dbgsym_*.deb >/dev/null || fail "no -dbgsym package: debug symbols not split off"
grep -q '\.debug_info' <<<"$(readelf -S "$LIB")" && fail "the packaged library is not stripped"
grep -q selftest <<<"$(nm -D "$LIB")" && fail "the packaged library exports test-only functions"
grep -q "CREATE FUNCTION.*selftest" "$T/root$SYS_SHAREDIR"/extension/pg_durable--*.sql && fail "the packaged scripts declare test-only functions"
echo "-- package: library $(stat -c %s "$LIB") bytes, stripped, no selftest functions"

BIN="$T/root$SYS_BINDIR"
[ "$(id -u)" = 0 ] && chown -R postgres: "$T"
as_pg "$BIN/initdb" -D "$T/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
printf "port = %s\nlisten_addresses = ''\nunix_socket_directories = '%s'\nshared_preload_libraries = 'pg_durable'\n" \
  "$PORT" "$T" >> "$T/data/postgresql.conf"
as_pg "$BIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 60 start >/dev/null || fail "server did not start"
psql_su() { as_pg "$BIN/psql" -X -q -At -h "$T" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_su -c "CREATE EXTENSION pg_durable"
[ "$(psql_su -c "SELECT split_part(df.version(), ' ', 1) = extversion FROM pg_extension WHERE extname = 'pg_durable'")" = t ] \
  || fail "df.version() does not match the extension version"
for _ in $(seq 1 600); do
  [ "$(psql_su -c "SELECT to_regclass('_duroxide._worker_ready') IS NOT NULL")" = t ] && break; sleep 0.1
done
psql_su -c "CREATE ROLE example_user LOGIN" -c "SELECT df.grant_usage('example_user')" -c "GRANT CREATE ON SCHEMA public TO example_user" 2>/dev/null
as_pg "$ROOT/examples/run_examples.sh" "$T/root/usr/bin/dfc" "$BIN/psql" -h "$T" -p "$PORT" -U example_user -d postgres \
  || fail "an example failed on the packaged build"
echo "-- package: the examples ran on the packaged build"
