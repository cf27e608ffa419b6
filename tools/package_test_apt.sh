#!/bin/bash
# package_test_apt.sh DEB_DIR — the real install test of the Debian packages, as on a fresh
# Debian 12 machine: `apt-get install ./postgresql-15-pg-durable_*.deb ./pg-durable-dfc_*.deb`
# into the system, a Debian cluster made with pg_createcluster (pg_durable preloaded through
# its conf.d), the examples run as an ordinary role with the installed dfc and psql, then
# the cluster is dropped and `apt-get remove` must leave no file of the packages behind.
#
# It changes the system (root only): CI, a fresh root machine, runs it directly
# (`CI=true tools/dev package-test --apt`). Elsewhere `tools/dev package-test --apt` runs it
# inside a private mount namespace whose /usr, /etc, /var and /run are overlays discarded at
# the end, so the machine's own files, packages and clusters stay as they were.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEB_DIR=$(realpath "$1")
CLUSTER=pgdurable_pkgtest
PORT=${PKG_TEST_PORT:-$(( 31000 + RANDOM % 2000 ))}
fail() { echo "FAIL: $*" >&2; [ -f "$LOG" ] && tail -30 "$LOG" >&2; exit 1; }
note() { echo "-- $*"; }
[ "$(id -u)" = 0 ] || fail "needs root (it installs packages)"
LOG=/var/log/postgresql/postgresql-15-$CLUSTER.log
PKG=$(ls "$DEB_DIR"/postgresql-15-pg-durable_*.deb 2>/dev/null | head -1)
DFC_PKG=$(ls "$DEB_DIR"/pg-durable-dfc_*.deb 2>/dev/null | head -1)
[ -n "$PKG" ] && [ -n "$DFC_PKG" ] || fail "missing packages in $DEB_DIR (run tools/dev package)"
cleanup() {
  pg_dropcluster --stop 15 "$CLUSTER" >/dev/null 2>&1 || true
}
trap cleanup EXIT
LIBDIR=$(pg_config --pkglibdir); SHAREDIR=$(pg_config --sharedir)

note "apt-get install $(basename "$PKG") $(basename "$DFC_PKG")"
# apt-get wants the packages readable by its sandbox user (_apt).
cp "$PKG" "$DFC_PKG" /tmp/ && chmod 644 "/tmp/$(basename "$PKG")" "/tmp/$(basename "$DFC_PKG")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "$PKG")" "/tmp/$(basename "$DFC_PKG")" >/tmp/pkgtest-apt.log 2>&1 \
  || { cat /tmp/pkgtest-apt.log; fail "apt-get install failed"; }
rm -f "/tmp/$(basename "$PKG")" "/tmp/$(basename "$DFC_PKG")"
dpkg-query -W -f='${Status}\n' postgresql-15-pg-durable | grep -q "install ok installed" || fail "package not installed"
for f in "$LIBDIR/pg_durable.so" "$SHAREDIR/extension/pg_durable.control" /usr/bin/dfc; do
  [ -e "$f" ] || fail "the package did not install $f"
done
note "installed: $(dpkg-query -W -f='${Package} ${Version}' postgresql-15-pg-durable), $(dpkg-query -W -f='${Package} ${Version}' pg-durable-dfc)"

note "pg_createcluster 15 $CLUSTER on port $PORT"
pg_dropcluster --stop 15 "$CLUSTER" >/dev/null 2>&1 || true
pg_createcluster 15 "$CLUSTER" -p "$PORT" --start-conf=manual -- --auth=trust >/dev/null
cat > "/etc/postgresql/15/$CLUSTER/conf.d/pg_durable.conf" <<CONF
shared_preload_libraries = 'pg_durable'
pg_durable.database = 'postgres'
listen_addresses = ''
CONF
pg_ctlcluster 15 "$CLUSTER" start || fail "the cluster did not start"
SOCK=/var/run/postgresql
psql_su() { runuser -u postgres -- psql -X -q -At -h "$SOCK" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_su -c "CREATE EXTENSION pg_durable"
[ "$(psql_su -c "SELECT split_part(df.version(), ' ', 1) = extversion FROM pg_extension WHERE extname = 'pg_durable'")" = t ] \
  || fail "df.version() does not match the extension version"
for _ in $(seq 1 600); do
  [ "$(psql_su -c "SELECT to_regclass('_duroxide._worker_ready') IS NOT NULL")" = t ] && break; sleep 0.1
done
psql_su -c "CREATE ROLE example_user LOGIN" -c "SELECT df.grant_usage('example_user')" \
        -c "GRANT CREATE ON SCHEMA public TO example_user" >/dev/null
EXAMPLES=$(mktemp -d); cp -r "$ROOT/examples/." "$EXAMPLES/"; chown -R postgres: "$EXAMPLES"; chmod 755 "$EXAMPLES"
runuser -u postgres -- "$EXAMPLES/run_examples.sh" /usr/bin/dfc psql -h "$SOCK" -p "$PORT" -U example_user -d postgres \
  || fail "an example failed on the installed package"
rm -rf "$EXAMPLES"
note "the examples ran on the installed package"

note "DROP EXTENSION, pg_dropcluster, apt-get remove"
psql_su -c "DROP EXTENSION pg_durable CASCADE" >/dev/null
pg_dropcluster --stop 15 "$CLUSTER"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq postgresql-15-pg-durable pg-durable-dfc >/tmp/pkgtest-apt.log 2>&1 \
  || { cat /tmp/pkgtest-apt.log; fail "apt-get remove failed"; }
for f in "$LIBDIR/pg_durable.so" "$SHAREDIR/extension/pg_durable.control" /usr/bin/dfc; do
  [ -e "$f" ] && fail "apt-get remove left $f"
done
ls "$SHAREDIR"/extension/pg_durable* >/dev/null 2>&1 && fail "apt-get remove left extension scripts"
note "removed: no file of the packages is left"
